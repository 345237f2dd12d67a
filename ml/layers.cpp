#include "ml/layers.h"

namespace ghost::ml {

std::vector<TensorShape> layer_tensors(const LayerSpec& layer, size_t layer_number) {
  auto name = [&](const char* tensor) {
    std::string s(1, 'L');
    s.append(std::to_string(layer_number)).append(1, '.').append(tensor);
    return s;
  };
  if (layer.type == LayerType::embedding) return {{name("E"), layer.n, layer.d_out}};
  return {{name("W_K"), layer.n, layer.d}, {name("W_V"), layer.n, layer.d_out}};
}

Result<void> validate_layers(std::span<const LayerSpec> layers) {
  if (layers.empty()) return fail("a model needs at least one layer");
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerSpec& s = layers[l];
    const std::string at = "layer " + std::to_string(l) + ": ";
    if (s.type == LayerType::embedding) {
      if (l != 0) return fail(at + "only the first layer can be an embedding");
      if (auto v = validate(s.embedding()); !v) return fail(v.error(), at);
      if (s.d != 0 || s.k != 1 || s.beta != 0 || s.min_recall != 1 || s.encoding != InputEncoding::f32)
        return fail(at + "an embedding has d = 0, k = 1, beta = 0, min_recall = 1");
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
