// A model's architecture: its layers and the weight tensors each one commits to. Shared by
// whoever holds the weights (ml/serve/) and whoever checks proofs against roots (ml/verify/).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "ml/embedding.h"
#include "ml/hopfield.h"

namespace ghost::ml {

// Values match proto ghost.pb.LayerType.
enum class LayerType : uint8_t { hopfield = 1, embedding = 2 };

struct LayerSpec {
  LayerType type = LayerType::hopfield;
  uint32_t d = 0;      // hopfield: input dimension; embedding: 0 (its input is an index)
  uint32_t d_out = 0;
  uint64_t n = 0;
  uint32_t k = 0;      // embedding: 1
  float beta = 0;      // embedding: 0
  float min_recall = 0;  // embedding: 1
  InputEncoding encoding = InputEncoding::f32;  // hopfield only

  HopfieldSpec hopfield() const { return {d, d_out, n, k, beta, min_recall, encoding}; }
  EmbeddingSpec embedding() const { return {n, d_out}; }
  bool operator==(const LayerSpec&) const = default;
};

// One weight tensor: leaf_count leaves of leaf_floats float32 each, under one Merkle root.
struct TensorShape {
  std::string name;         // "L0.W_K"
  uint64_t leaf_count = 0;  // leaves (columns of W_K, rows of W_V or of an embedding)
  uint32_t leaf_floats = 0;  // float32 values per leaf

  size_t leaf_bytes() const { return size_t(leaf_floats) * 4; }
  bool operator==(const TensorShape&) const = default;
};

// New values of one leaf; `tensor` numbers the tensors in layer_tensors() order across layers
// (as in a model's store and a ghost file).
struct LeafWrite {
  uint32_t tensor = 0;
  uint64_t index = 0;
  std::vector<float> values;  // leaf_floats of the tensor
};

// The tensors of a layer in ghost-file order, named "L<layer>.<name>":
// hopfield: W_K (n leaves of d floats: the columns), W_V (n leaves of d_out: the rows);
// embedding: E (n leaves of d_out).
std::vector<TensorShape> layer_tensors(const LayerSpec& layer, size_t layer_number);
// Each layer valid; only layer 0 may be an embedding; layer l+1 is f32 with d = d_out of l.
Result<void> validate_layers(std::span<const LayerSpec> layers);

}  // namespace ghost::ml
