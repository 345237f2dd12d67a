// The embedding table: a one-to-one sparse activated tensor. Input = a row index
// (u64 little-endian, 8 bytes), output = that row (d_out floats). Only the first layer of a
// model can be an embedding, since its input is an index, not a vector.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ghost::ml {

inline constexpr size_t kEmbeddingInputBytes = 8;

struct EmbeddingSpec {
  uint64_t n = 0;      // rows
  uint32_t d_out = 0;  // floats per row
};

Result<void> validate(const EmbeddingSpec& spec);

// Fails unless the input is exactly 8 bytes holding an index < n.
Result<uint64_t> decode_index(ByteSpan input, const EmbeddingSpec& spec);
Bytes encode_index(uint64_t index);

// Output = the revealed row; fails when the row has the wrong size or is non-finite.
Result<std::vector<float>> embedding_forward(const EmbeddingSpec& spec, std::span<const float> row);

// One step with L = 0.5 |o - t|^2: row[j] = row[j] - lr * (row[j] - t[j]). Returns the new row.
Result<std::vector<float>> embedding_train(const EmbeddingSpec& spec, std::span<const float> row,
                                           std::span<const float> target, float lr);

}  // namespace ghost::ml
