#include "ml/serve/search_index.h"

#include <cstring>

#include "ml/column_codes.h"

namespace ghost::ml {

SearchIndex::SearchIndex(const LayerSpec& layer, std::vector<uint8_t> codes, std::vector<uint32_t> rows)
    : layer_(layer),
      code_size_(code_bytes(layer.d)),
      row_words_(layer.graph.row_words()),
      codes_(std::move(codes)),
      rows_(std::move(rows)) {}

Result<std::unique_ptr<SearchIndex>> SearchIndex::load(const WeightStore& store, uint32_t codes_tensor,
                                                       const LayerSpec& layer) {
  const size_t code_size = code_bytes(layer.d), words = layer.graph.row_words();
  if (codes_tensor + 1 >= store.tensor_count() || store.shape(codes_tensor).leaf_bytes() != code_size ||
      store.shape(codes_tensor + 1).leaf_floats != words)
    return fail("the weight store holds no search tensors for this layer");
  std::vector<uint8_t> codes(layer.n * code_size);
  std::vector<uint32_t> rows(layer.n * words);
  auto c = store.for_each_leaf(codes_tensor, [&](uint64_t i, std::span<const float> leaf) {
    std::memcpy(codes.data() + i * code_size, leaf.data(), code_size);
  });
  if (!c) return std::unexpected(c.error());
  auto g = store.for_each_leaf(codes_tensor + 1, [&](uint64_t i, std::span<const float> leaf) {
    std::memcpy(rows.data() + i * words, leaf.data(), words * 4);
  });
  if (!g) return std::unexpected(g.error());
  return std::make_unique<SearchIndex>(layer, std::move(codes), std::move(rows));
}

Result<std::vector<Scored>> SearchIndex::search(std::span<const float> x_hat, const ColumnMatrix& keys) const {
  IndexSource source(*this, keys);
  return graph_search(layer_, x_hat, source);
}

}  // namespace ghost::ml
