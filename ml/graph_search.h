// The canonical search of a Hopfield layer (docs/protocol.md §3.22): a beam search over the
// committed graph L<l>.G, ranking columns by their committed int8 codes L<l>.C, then the
// beam's columns re-scored by the canonical dot product. Every rule (the order of slots, ties
// to the lower column, the fixed ef of the ghost file) is the protocol's, so anyone holding
// the same tensors selects the same columns bit for bit: "the honest answer" is defined.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "ml/hopfield.h"
#include "ml/layers.h"

namespace ghost::ml {

// Where the search reads the committed tensors: a worker's memory, or a fraud proof's
// openings (which fail on a leaf the proof does not carry).
class SearchSource {
 public:
  virtual ~SearchSource() = default;
  virtual Result<const uint8_t*> code(uint64_t column) = 0;                // code_bytes(d) bytes of L<l>.C
  virtual Result<std::span<const uint32_t>> row(uint64_t column) = 0;      // row_words() words of L<l>.G
  virtual Result<std::span<const float>> key(uint64_t column) = 0;         // d floats of W_K
};

// The slots of `level` in a graph row, up to the first empty one.
std::span<const uint32_t> neighbours(std::span<const uint32_t> row, const GraphSpec& graph, uint32_t level);

// The canonical selected set of `layer` for the normalized query x_hat, ascending by index
// with canonical dot scores. Empty when the beam ends with fewer than k columns (then the
// layer has no canonical answer for this query). Fails on a source error or a graph row that
// names a column >= n.
Result<std::vector<Scored>> graph_search(const LayerSpec& layer, std::span<const float> x_hat, SearchSource& source);

}  // namespace ghost::ml
