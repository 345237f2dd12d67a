#include "ml/ghost_file.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <set>

#include "crypto/merkle.h"
#include "ml/leaf_codec.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

pb::Layer layer_to_pb(const LayerSpec& s) {
  pb::Layer l;
  l.set_type(static_cast<pb::LayerType>(s.type));
  l.set_d(s.d);
  l.set_d_out(s.d_out);
  l.set_n(s.n);
  l.set_k(s.k);
  l.set_beta(s.beta);
  l.set_input_encoding(static_cast<pb::InputEncoding>(s.encoding));
  l.set_ef(s.graph.ef);
  l.set_graph_m(s.graph.m);
  l.set_graph_levels(s.graph.levels);
  l.set_entry_point(s.graph.entry_point);
  return l;
}

Result<LayerSpec> layer_from_pb(const pb::Layer& l) {
  if (l.type() != pb::HOPFIELD_LOOKUP && l.type() != pb::EMBEDDING)
    return fail("unsupported layer type " + num(l.type()));
  if (l.input_encoding() != pb::F32 && l.input_encoding() != pb::U8)
    return fail("unsupported input encoding " + num(l.input_encoding()));
  LayerSpec s;
  s.type = static_cast<LayerType>(l.type());
  s.d = l.d();
  s.d_out = l.d_out();
  s.n = l.n();
  s.k = l.k();
  s.beta = l.beta();
  s.encoding = static_cast<InputEncoding>(l.input_encoding());
  s.graph = {l.ef(), l.graph_m(), l.graph_levels(), l.entry_point()};
  return s;
}

Result<void> check_address(const std::string& a, const std::string& what) {
  if (a.size() != kAddressBytes)
    return fail(what + " must be a " + num(kAddressBytes) + "-byte address, got " + num(a.size()) + " bytes");
  return {};
}

// Each listed tensor named and shaped as the layer needs, with a 32-byte root.
Result<void> check_tensors(const LayerSpec& s, const google::protobuf::RepeatedPtrField<pb::TensorInfo>& listed,
                           const std::vector<TensorShape>& shapes, const std::string& at) {
  if (size_t(listed.size()) != shapes.size())
    return fail(at + "has " + num(listed.size()) + " tensors, its type needs " + num(shapes.size()));
  for (size_t t = 0; t < shapes.size(); ++t) {
    const auto& info = listed[int(t)];
    const auto& want = shapes[t];
    const std::string tat = at + "tensor " + want.name + ": ";
    if (info.name() != want.name) return fail(at + "tensor " + num(t) + " must be named " + want.name);
    if (info.leaf_count() != want.leaf_count || info.leaf_floats() != want.leaf_floats)
      return fail(tat + "shape " + num(info.leaf_count()) + " x " + num(info.leaf_floats()) + " does not match the layer (" +
                  num(want.leaf_count) + " x " + num(want.leaf_floats) + ")");
    if (want.leaf_count > (uint64_t(1) << merkle::kMaxDepth)) return fail(tat + "too many leaves for a Merkle tree");
    if (s.k > kMaxOpenedBytes / want.leaf_bytes())
      return fail(tat + "k leaves would be over the " + num(kMaxOpenedBytes) + "-byte opening limit");
    if (info.root().size() != Hash32::size())
      return fail(tat + "root must be 32 bytes, got " + num(info.root().size()));
  }
  return {};
}

// Rules of the protocol on top of what a model directory accepts.
Result<void> check_layer(const LayerSpec& s, const pb::Layer& l, size_t number) {
  const std::string at = "layer " + num(number) + ": ";
  if (s.type == LayerType::hopfield) {
    if (s.k > s.n) return fail(at + "k = " + num(s.k) + " is larger than n = " + num(s.n));
    if (!std::isfinite(s.beta) || !(s.beta > 0)) return fail(at + "beta must be finite and > 0");
  }
  if (s.type == LayerType::hopfield)
    if (auto g = validate_graph(s); !g) return fail(g.error(), at);
  if (auto t = check_tensors(s, l.tensors(), layer_tensors(s, number), at); !t) return t;
  return check_tensors(s, l.search_tensors(), search_tensors(s, number), at + "search ");
}

Result<std::vector<LayerSpec>> layers_of(const pb::GhostFile& file) {
  std::vector<LayerSpec> layers;
  for (int l = 0; l < file.layers_size(); ++l) {
    auto s = layer_from_pb(file.layers(l));
    if (!s) return fail(s.error(), "layer " + num(l) + ": ");
    layers.push_back(*s);
  }
  if (auto v = validate_layers(layers); !v) return std::unexpected(v.error());
  for (size_t l = 0; l < layers.size(); ++l)
    if (auto v = check_layer(layers[l], file.layers(int(l)), l); !v) return std::unexpected(v.error());
  return layers;
}

}  // namespace

pb::GhostFile make_ghost_file(const std::string& name, std::span<const LayerSpec> layers,
                              std::span<const Hash32> roots, const GhostFileMeta& meta) {
  pb::GhostFile g;
  g.set_format_version(kGhostFormatVersion);
  g.set_name(name);
  g.set_owner(std::string(meta.owner.begin(), meta.owner.end()));
  g.set_hash_function(pb::SHA256_MERKLE_V1);
  g.set_update_policy(meta.policy);
  for (const auto& t : meta.trainers) g.add_trainers(std::string(t.begin(), t.end()));
  g.set_price_floor(meta.price_floor);
  size_t next = 0;  // index into roots of the next tensor
  auto add = [&](google::protobuf::RepeatedPtrField<pb::TensorInfo>* to, const TensorShape& shape) {
    pb::TensorInfo* info = to->Add();
    info->set_name(shape.name);
    info->set_leaf_count(shape.leaf_count);
    info->set_leaf_floats(shape.leaf_floats);
    if (next < roots.size()) info->set_root(std::string(roots[next].bytes.begin(), roots[next].bytes.end()));
    ++next;
  };
  for (size_t l = 0; l < layers.size(); ++l) {
    pb::Layer* pl = g.add_layers();
    *pl = layer_to_pb(layers[l]);
    for (const auto& shape : layer_tensors(layers[l], l)) add(pl->mutable_tensors(), shape);
  }
  for (size_t l = 0; l < layers.size(); ++l)
    for (const auto& shape : search_tensors(layers[l], l)) add(g.mutable_layers(int(l))->mutable_search_tensors(), shape);
  return g;
}

Result<void> validate_ghost_file(const pb::GhostFile& file) {
  if (file.format_version() != kGhostFormatVersion)
    return fail("unsupported ghost file format version " + num(file.format_version()) + " (this node reads " +
                num(kGhostFormatVersion) + ")");
  if (file.name().empty() || file.name().size() > 128) return fail("model name must be 1 to 128 bytes");
  if (file.hash_function() != pb::SHA256_MERKLE_V1)
    return fail("unsupported hash function " + num(file.hash_function()) + " (only SHA256_MERKLE_V1)");
  if (!file.owner().empty())
    if (auto v = check_address(file.owner(), "owner"); !v) return v;
  switch (file.update_policy()) {
    case pb::FROZEN:
    case pb::OWNER_ONLY:
    case pb::LISTED_TRAINERS:
      break;
    default:
      return fail("unknown update policy " + num(file.update_policy()));
  }
  if (file.update_policy() != pb::LISTED_TRAINERS && file.trainers_size() > 0)
    return fail("trainers are listed only under the LISTED_TRAINERS policy");
  std::set<std::string> seen;
  for (const auto& t : file.trainers()) {
    if (auto v = check_address(t, "trainer"); !v) return v;
    if (!seen.insert(t).second) return fail("trainer listed twice");
  }
  if (auto layers = layers_of(file); !layers) return std::unexpected(layers.error());
  return {};
}

Hash32 model_id(const pb::GhostFile& file) { return sha256(pb::encode(file)); }

size_t ModelVersion::first_tensor(size_t layer) const {
  size_t t = 0;
  for (size_t l = 0; l < layer; ++l) t += layer_tensors(layers[l], l).size();
  return t;
}

size_t ModelVersion::first_search_tensor(size_t layer) const {
  size_t t = 0;
  for (size_t l = 0; l < layer; ++l) t += search_tensors(layers[l], l).size();
  return t;
}

Result<ModelVersion> model_version(const pb::GhostFile& file) {
  if (auto v = validate_ghost_file(file); !v) return std::unexpected(v.error());
  ModelVersion mv;
  mv.model_id = model_id(file);
  mv.layers = *layers_of(file);
  for (const auto& l : file.layers())
    for (const auto& t : l.tensors()) mv.roots.push_back(Hash32::from_span(as_bytes(t.root())));
  for (const auto& l : file.layers())
    for (const auto& t : l.search_tensors()) mv.search_roots.push_back(Hash32::from_span(as_bytes(t.root())));
  return mv;
}

Result<pb::GhostFile> decode_ghost_file(ByteSpan data) {
  auto g = pb::decode_as<pb::GhostFile>(data, kMaxGhostFileBytes);
  if (!g) return std::unexpected(g.error());
  if (auto v = validate_ghost_file(*g); !v) return fail(v.error(), "invalid ghost file: ");
  return g;
}

std::string ghost_file_json(const pb::GhostFile& file) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opt;
  opt.add_whitespace = true;
  opt.always_print_primitive_fields = true;
  opt.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(file, &out, opt);
  return out;
}

}  // namespace ghost::ml
