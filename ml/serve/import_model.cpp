#include "ml/serve/import_model.h"

#include <cmath>
#include <set>

#include "ml/serve/model.h"

namespace ghost::ml {
namespace {

const std::set<std::string> kTensorNames = {"W_K", "W_V", "E"};
const std::set<std::string> kParamNames = {"k", "beta", "input"};

// "L3.W_K" -> {3, "W_K"}; an unprefixed known name belongs to layer 0.
std::optional<std::pair<size_t, std::string>> split_name(const std::string& name) {
  if (kTensorNames.contains(name) || kParamNames.contains(name)) return std::pair<size_t, std::string>{0, name};
  if (name.size() < 3 || name[0] != 'L') return std::nullopt;
  const size_t dot = name.find('.');
  if (dot == std::string::npos || dot == 1 || dot > 4) return std::nullopt;
  size_t layer = 0;
  for (size_t i = 1; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    layer = layer * 10 + size_t(name[i] - '0');
  }
  return std::pair<size_t, std::string>{layer, name.substr(dot + 1)};
}

struct LayerArrays {
  std::map<std::string, const Array*> tensors;
  std::map<std::string, std::string> params;  // as text: from a scalar array or metadata
};

std::string prefix(size_t l) {
  std::string p = "L";  // appended, not `"L" + ...`: gcc 12 warns wrongly (-Wrestrict) on that
  p += std::to_string(l);
  p += '.';
  return p;
}

Result<std::string> scalar_text(const std::string& name, const Array& a) {
  if (a.count() != 1) return fail(name + ": a layer parameter must be a single number");
  const float v = a.values[0];
  if (!std::isfinite(v)) return fail(name + ": not a finite number");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", double(v));
  return std::string(buf);
}

Result<float> parse_number(const std::string& name, const std::string& text) {
  char* end = nullptr;
  const float v = std::strtof(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) return fail(name + ": \"" + text + "\" is not a number");
  return v;
}

Result<LayerSpec> hopfield_layer(size_t l, const LayerArrays& la, const ImportDefaults& def) {
  const Array* wk = la.tensors.count("W_K") ? la.tensors.at("W_K") : nullptr;
  const Array* wv = la.tensors.count("W_V") ? la.tensors.at("W_V") : nullptr;
  if (!wk || !wv) return fail(prefix(l) + "W_K and " + prefix(l) + "W_V go together (one is missing)");
  if (wk->shape.size() != 2) return fail(prefix(l) + "W_K must be 2-D (n x d), not " + std::to_string(wk->shape.size()) + "-D");
  if (wv->shape.size() != 2) return fail(prefix(l) + "W_V must be 2-D (n x d_out), not " + std::to_string(wv->shape.size()) + "-D");
  if (wk->shape[0] != wv->shape[0])
    return fail(prefix(l) + "W_K has " + std::to_string(wk->shape[0]) + " rows and W_V " + std::to_string(wv->shape[0]) +
                ": both need one row per stored pattern");
  LayerSpec s;
  s.type = LayerType::hopfield;
  s.n = wk->shape[0];
  s.d = uint32_t(wk->shape[1]);
  s.d_out = uint32_t(wv->shape[1]);
  if (wk->shape[1] > UINT32_MAX || wv->shape[1] > UINT32_MAX) return fail(prefix(l) + ": a dimension is too large");
  auto param = [&](const std::string& p) -> std::optional<std::string> {
    auto it = la.params.find(p);
    return it == la.params.end() ? std::nullopt : std::optional(it->second);
  };
  if (auto k = param("k")) {
    auto v = parse_number(prefix(l) + "k", *k);
    if (!v) return std::unexpected(v.error());
    if (*v < 1 || *v != std::floor(*v) || *v > 1e6f) return fail(prefix(l) + "k must be a whole number from 1");
    s.k = uint32_t(*v);
  } else {
    s.k = def.k.value_or(16);
  }
  if (auto b = param("beta")) {
    auto v = parse_number(prefix(l) + "beta", *b);
    if (!v) return std::unexpected(v.error());
    s.beta = *v;
  } else if (def.beta) {
    s.beta = *def.beta;
  } else {
    return fail(prefix(l) + "beta is not given (give --beta, or an array or metadata entry " + prefix(l) + "beta)");
  }
  s.encoding = def.encoding.value_or(InputEncoding::f32);
  if (auto in = param("input")) {
    if (*in == "f32" || *in == "1") s.encoding = InputEncoding::f32;
    else if (*in == "u8" || *in == "2") s.encoding = InputEncoding::u8;
    else return fail(prefix(l) + "input must be f32 or u8, not " + *in);
  }
  return s;
}

Result<LayerSpec> embedding_layer(size_t l, const LayerArrays& la) {
  const Array* e = la.tensors.at("E");
  if (la.tensors.size() != 1) return fail(prefix(l) + "E is an embedding layer: it cannot also have W_K or W_V");
  if (!la.params.empty()) return fail(prefix(l) + "an embedding layer has no parameters (" + la.params.begin()->first + ")");
  if (e->shape.size() != 2) return fail(prefix(l) + "E must be 2-D (n x d_out)");
  if (e->shape[1] > UINT32_MAX) return fail(prefix(l) + "E: a dimension is too large");
  LayerSpec s;
  s.type = LayerType::embedding;
  s.n = e->shape[0];
  s.d_out = uint32_t(e->shape[1]);
  s.k = 1;
  return s;
}

// Groups arrays and metadata by layer; unknown names are errors.
Result<std::vector<LayerArrays>> group(const Arrays& arrays, const std::map<std::string, std::string>& metadata) {
  std::map<size_t, LayerArrays> by_layer;
  std::map<std::string, std::string> seen;  // canonical name -> as given
  auto place = [&](const std::string& name, bool from_metadata) -> Result<std::pair<size_t, std::string>> {
    auto s = split_name(name);
    const bool known = s && (kTensorNames.contains(s->second) || kParamNames.contains(s->second));
    if (!known || (from_metadata && kTensorNames.contains(s->second)))
      return fail("unknown name " + name + " (expected L<l>.W_K, L<l>.W_V, L<l>.E, or a parameter L<l>.k, .beta, .input)");
    const std::string canon = prefix(s->first) + s->second;
    if (auto [it, fresh] = seen.emplace(canon, name); !fresh) return fail(name + " and " + it->second + " name the same thing");
    return *s;
  };
  for (const auto& [name, a] : arrays) {
    auto s = place(name, false);
    if (!s) return std::unexpected(s.error());
    if (kTensorNames.contains(s->second)) {
      for (float v : a.values)
        if (!std::isfinite(v)) return fail(name + ": holds a value that is not finite (NaN or infinite, or beyond float32)");
      by_layer[s->first].tensors[s->second] = &a;
    } else {
      auto text = scalar_text(name, a);
      if (!text) return std::unexpected(text.error());
      by_layer[s->first].params[s->second] = *text;
    }
  }
  for (const auto& [name, value] : metadata) {
    if (name.empty() || name[0] != 'L' || name.find('.') == std::string::npos) continue;  // e.g. torch's "format"
    auto s = place(name, true);
    if (!s) return std::unexpected(s.error());
    by_layer[s->first].params[s->second] = value;
  }
  if (by_layer.empty()) return fail("no weights found (expected arrays L0.W_K and L0.W_V, or W_K and W_V)");
  std::vector<LayerArrays> out;
  for (auto& [l, la] : by_layer) {
    if (l != out.size()) return fail("layers must be numbered from 0 without gaps: L" + std::to_string(out.size()) + " is missing");
    if (la.tensors.empty()) return fail(prefix(l) + " has parameters but no weights");
    out.push_back(std::move(la));
  }
  return out;
}

}  // namespace

Result<std::vector<LayerSpec>> imported_layers(const Arrays& arrays, const std::map<std::string, std::string>& metadata,
                                               const ImportDefaults& defaults) {
  auto grouped = group(arrays, metadata);
  if (!grouped) return std::unexpected(grouped.error());
  std::vector<LayerSpec> layers;
  for (size_t l = 0; l < grouped->size(); ++l) {
    const LayerArrays& la = (*grouped)[l];
    auto spec = la.tensors.count("E") ? embedding_layer(l, la) : hopfield_layer(l, la, defaults);
    if (!spec) return std::unexpected(spec.error());
    layers.push_back(*spec);
  }
  if (auto v = validate_layers(layers); !v) return fail(v.error(), "the layers do not form a model: ");
  return layers;
}

Result<void> import_model(const std::filesystem::path& dir, const std::string& name, const Arrays& arrays,
                          const std::map<std::string, std::string>& metadata, const ImportDefaults& defaults,
                          unsigned threads) {
  auto layers = imported_layers(arrays, metadata, defaults);
  if (!layers) return std::unexpected(layers.error());
  // The store's tensors in layer_tensors() order across layers, each backed by one array.
  std::vector<const Array*> tensors;
  for (size_t l = 0; l < layers->size(); ++l) {
    const std::string p = prefix(l);
    auto find = [&](const std::string& t) {
      auto it = arrays.find(p + t);
      return it != arrays.end() ? &it->second : &arrays.at(t);  // an unprefixed name is layer 0's
    };
    if ((*layers)[l].type == LayerType::embedding) {
      tensors.push_back(find("E"));
    } else {
      tensors.push_back(find("W_K"));
      tensors.push_back(find("W_V"));
    }
  }
  auto fill = [&](uint32_t tensor, uint64_t i, std::span<float> out) {
    const Array& a = *tensors.at(tensor);
    std::copy_n(a.values.begin() + ptrdiff_t(i * out.size()), out.size(), out.begin());
  };
  return Model::create(dir, name, *layers, fill, threads);
}

}  // namespace ghost::ml
