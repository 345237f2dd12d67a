// A dense column-major float32 matrix held in memory: column i is `dim` contiguous floats.
// W_K (the stored patterns) is kept this way for exact top-k and index building.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ghost::ml {

struct ColumnMatrix {
  uint32_t dim = 0;
  uint64_t count = 0;
  std::vector<float> data;  // dim * count

  ColumnMatrix() = default;
  ColumnMatrix(uint32_t dim_, uint64_t count_) : dim(dim_), count(count_), data(size_t(dim_) * count_) {}
  std::span<const float> column(uint64_t i) const { return {data.data() + i * dim, dim}; }
  std::span<float> column(uint64_t i) { return {data.data() + i * dim, dim}; }
};

}  // namespace ghost::ml
