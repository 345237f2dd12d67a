// Approximate top-k over W_K's columns (docs/protocol.md §1.2 (HNSW is a worker's choice, not protocol)): hnswlib, inner product, label =
// column index. The graph compares int8 codes of the columns (ml/column_codes.h) and also
// keeps each column's exact floats. The index only proposes candidates; callers re-score them
// with the canonical dot product, so what it returns never changes the bits of an answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "crypto/hash.h"
#include "base/result.h"
#include "ml/matrix.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace ghost::ml {

// What the graph compares while searching.
enum class HnswDistance : uint8_t {
  int8_codes,  // int8 codes of the columns: a quarter of the memory traffic (the default)
  float32,     // the columns' floats, hnswlib's own inner-product space
};

struct HnswParams {
  size_t M = 16;
  size_t ef_construction = 100;
  size_t ef = 40;    // search beam, the worker's speed/recall trade-off (fashion: recall ~0.98)
  uint64_t seed = 100;
  unsigned threads = 0;  // build threads, 0 = all cores
  bool progress = false;  // progress bar on stderr while building
  HnswDistance distance = HnswDistance::int8_codes;
};

class HnswIndex {
 public:
  ~HnswIndex();
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  // Indexes every column of `keys` (label = column index) on `params.threads` threads.
  static std::unique_ptr<HnswIndex> build(const ColumnMatrix& keys, const HnswParams& params);
  // Loads `path` (+ its ".meta" beside it); fails if it was saved for other roots or another
  // shape, so a stale index is never used.
  static Result<std::unique_ptr<HnswIndex>> load(const std::filesystem::path& path, uint32_t dim,
                                                 uint64_t count, std::span<const Hash32> roots,
                                                 const HnswParams& params);
  // Writes the index and a ".meta" file recording the shape and the roots it was built for.
  Result<void> save(const std::filesystem::path& path, std::span<const Hash32> roots) const;

  uint32_t dim() const { return dim_; }
  uint64_t size() const { return count_; }
  void set_ef(size_t ef);
  size_t ef() const { return ef_; }

  // Up to `count` column indices the graph finds nearest to q (by inner product), any order.
  // Thread-safe with other searches.
  std::vector<uint64_t> search(std::span<const float> q, size_t count) const;
  // The index's own copy of column `label` (the exact floats it was given).
  std::span<const float> column(uint64_t label) const;
  // Re-inserts a changed column under its label (after a training step).
  void update(uint64_t label, std::span<const float> column);

 private:
  class Space;
  HnswIndex(uint32_t dim, uint64_t count, HnswDistance distance);
  uint32_t dim_;
  uint64_t count_;
  HnswDistance distance_;
  size_t ef_ = 0;  // set by build() and load()
  std::unique_ptr<Space> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

}  // namespace ghost::ml
