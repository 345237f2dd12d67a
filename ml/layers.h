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

// The committed search of a Hopfield layer (docs/protocol.md §3.22): a graph over the columns,
// stored as the tensor L<l>.G beside the columns' int8 codes L<l>.C. Both are built once,
// when the model is made, and never change (training moves W_K, not the codes or the graph).
struct GraphSpec {
  uint32_t ef = 0;           // beam width of the canonical search, k <= ef <= kMaxEf
  uint32_t m = 0;            // slots per node: 2m at level 0, m at each level above
  uint32_t levels = 0;       // levels of the graph, 1 .. kMaxGraphLevels
  uint64_t entry_point = 0;  // the column every search starts from, on the top level

  // 32-bit words of one row of L<l>.G: level 0's 2m slots, then m per level above.
  uint32_t row_words() const { return levels ? 2 * m + (levels - 1) * m : 0; }
  bool operator==(const GraphSpec&) const = default;
};

inline constexpr uint32_t kDefaultEf = 40;
inline constexpr uint32_t kDefaultGraphM = 16;
inline constexpr uint32_t kMaxEf = 1024;
inline constexpr uint32_t kMaxGraphM = 64;
inline constexpr uint32_t kMaxGraphLevels = 16;
inline constexpr uint32_t kNoNeighbour = 0xffffffff;  // an empty slot of a graph row

struct LayerSpec {
  LayerType type = LayerType::hopfield;
  uint32_t d = 0;      // hopfield: input dimension; embedding: 0 (its input is an index)
  uint32_t d_out = 0;
  uint64_t n = 0;
  uint32_t k = 0;      // embedding: 1
  float beta = 0;      // embedding: 0
  InputEncoding encoding = InputEncoding::f32;  // hopfield only
  GraphSpec graph;  // hopfield only (zero until Model::create builds the graph)

  HopfieldSpec hopfield() const { return {d, d_out, n, k, beta, encoding}; }
  EmbeddingSpec embedding() const { return {n, d_out}; }
  bool operator==(const LayerSpec&) const = default;
};

// One committed tensor: leaf_count leaves of leaf_floats 32-bit words each (float32 values;
// the words of a code or graph leaf hold its bytes), under one Merkle root.
struct TensorShape {
  std::string name;         // "L0.W_K"
  uint64_t leaf_count = 0;  // leaves (columns of W_K, rows of W_V or of an embedding)
  uint32_t leaf_floats = 0;  // 32-bit words per leaf

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
// The search tensors of a layer, named "L<layer>.<name>": hopfield: C (n leaves of
// code_bytes(d) / 4 words: the columns' int8 codes), G (n leaves of graph.row_words());
// embedding: none. A model stores and a ghost file lists them after every layer's weights.
std::vector<TensorShape> search_tensors(const LayerSpec& layer, size_t layer_number);
// A Hopfield layer's committed search: k <= ef <= kMaxEf, 2 <= m <= kMaxGraphM,
// 1 <= levels <= kMaxGraphLevels, entry_point < n < 2^32 - 1.
Result<void> validate_graph(const LayerSpec& layer);
// Each layer valid; only layer 0 may be an embedding; layer l+1 is f32 with d = d_out of l.
Result<void> validate_layers(std::span<const LayerSpec> layers);

}  // namespace ghost::ml
