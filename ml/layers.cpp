#include "ml/layers.h"

#include "ml/column_codes.h"

namespace ghost::ml {

namespace {

std::string tensor_name(size_t layer_number, const char* tensor) {
  std::string s(1, 'L');
  s.append(std::to_string(layer_number)).append(1, '.').append(tensor);
  return s;
}

}  // namespace

std::vector<TensorShape> layer_tensors(const LayerSpec& layer, size_t layer_number) {
  auto name = [&](const char* tensor) { return tensor_name(layer_number, tensor); };
  if (layer.type == LayerType::embedding) return {{name("E"), layer.n, layer.d_out}};
  return {{name("W_K"), layer.n, layer.d}, {name("W_V"), layer.n, layer.d_out}};
}

std::vector<TensorShape> search_tensors(const LayerSpec& layer, size_t layer_number) {
  if (layer.type != LayerType::hopfield) return {};
  return {{tensor_name(layer_number, "C"), layer.n, uint32_t(code_bytes(layer.d) / 4)},
          {tensor_name(layer_number, "G"), layer.n, layer.graph.row_words()}};
}

Result<void> validate_graph(const LayerSpec& s) {
  const GraphSpec& g = s.graph;
  const std::string k = std::to_string(s.hopfield().selected_count());
  if (g.ef < s.hopfield().selected_count() || g.ef > kMaxEf)
    return fail("search ef " + std::to_string(g.ef) + " must be between k = " + k + " and " + std::to_string(kMaxEf));
  if (g.m < 2 || g.m > kMaxGraphM) return fail("graph_m must be between 2 and " + std::to_string(kMaxGraphM));
  if (g.levels < 1 || g.levels > kMaxGraphLevels)
    return fail("graph_levels must be between 1 and " + std::to_string(kMaxGraphLevels));
  if (s.n >= kNoNeighbour) return fail("a searched layer holds fewer than 2^32 - 1 columns");
  if (g.entry_point >= s.n) return fail("entry_point must be a column (< n)");
  return {};
}

Result<void> validate_layers(std::span<const LayerSpec> layers) {
  if (layers.empty()) return fail("a model needs at least one layer");
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerSpec& s = layers[l];
    const std::string at = "layer " + std::to_string(l) + ": ";
    if (s.type == LayerType::embedding) {
      if (l != 0) return fail(at + "only the first layer can be an embedding");
      if (auto v = validate(s.embedding()); !v) return fail(v.error(), at);
      if (s.d != 0 || s.k != 1 || s.beta != 0 || s.encoding != InputEncoding::f32 ||
          s.graph != GraphSpec{})
        return fail(at + "an embedding has d = 0, k = 1, beta = 0 and no search graph");
    } else if (s.type == LayerType::hopfield) {
      if (auto v = validate(s.hopfield()); !v) return fail(v.error(), at);
      if (l > 0 && (s.encoding != InputEncoding::f32 || s.d != layers[l - 1].d_out))
        return fail(at + "must read the previous layer's output: f32 with d = previous d_out");
    } else {
      return fail(at + "unknown layer type");
    }
  }
  return {};
}

}  // namespace ghost::ml
