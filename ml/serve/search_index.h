// A worker's copy of a Hopfield layer's committed search (docs/protocol.md §3.22): the codes
// L<l>.C and the graph L<l>.G read from the weight store into memory, searched with the
// canonical graph_search. It replaces the HNSW index for serving; hnswlib is only the
// benchmark's baseline now.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/result.h"
#include "ml/graph_search.h"
#include "ml/layers.h"
#include "ml/matrix.h"
#include "ml/serve/weight_store.h"

namespace ghost::ml {

class SearchIndex {
 public:
  // Reads the codes (tensor `codes_tensor`) and the graph (the next tensor) of a layer.
  static Result<std::unique_ptr<SearchIndex>> load(const WeightStore& store, uint32_t codes_tensor,
                                                   const LayerSpec& layer);
  SearchIndex(const LayerSpec& layer, std::vector<uint8_t> codes, std::vector<uint32_t> rows);

  const LayerSpec& layer() const { return layer_; }
  const uint8_t* code(uint64_t column) const { return codes_.data() + column * code_size_; }
  std::span<const uint32_t> row(uint64_t column) const { return {rows_.data() + column * row_words_, row_words_}; }

  // The canonical selected set (graph_search) with the layer's current W_K; thread-safe.
  Result<std::vector<Scored>> search(std::span<const float> x_hat, const ColumnMatrix& keys) const;

 private:
  LayerSpec layer_;
  size_t code_size_;
  size_t row_words_;
  std::vector<uint8_t> codes_;
  std::vector<uint32_t> rows_;
};

// graph_search reading a SearchIndex and the W_K in memory.
class IndexSource : public SearchSource {
 public:
  IndexSource(const SearchIndex& index, const ColumnMatrix& keys) : index_(index), keys_(keys) {}
  Result<const uint8_t*> code(uint64_t column) override { return index_.code(column); }
  Result<std::span<const uint32_t>> row(uint64_t column) override { return index_.row(column); }
  Result<std::span<const float>> key(uint64_t column) override { return keys_.column(column); }

 private:
  const SearchIndex& index_;
  const ColumnMatrix& keys_;
};

}  // namespace ghost::ml
