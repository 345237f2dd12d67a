#include "ml/embedding.h"

#include <cmath>
#include <string>

#include "ml/canonical.h"

namespace ghost::ml {

Result<void> validate(const EmbeddingSpec& spec) {
  if (spec.n == 0 || spec.d_out == 0) return fail("embedding needs n and d_out > 0");
  return {};
}

Result<uint64_t> decode_index(ByteSpan input, const EmbeddingSpec& spec) {
  if (input.size() != kEmbeddingInputBytes)
    return fail("embedding input must be an 8-byte little-endian index, got " + std::to_string(input.size()) +
                " bytes");
  const uint64_t i = get_u64le(input.data());
  if (i >= spec.n) return fail("embedding index " + std::to_string(i) + " >= n = " + std::to_string(spec.n));
  return i;
}

Bytes encode_index(uint64_t index) {
  Bytes b;
  put_u64le(b, index);
  return b;
}

Result<std::vector<float>> embedding_forward(const EmbeddingSpec& spec, std::span<const float> row) {
  if (auto v = validate(spec); !v) return std::unexpected(v.error());
  if (row.size() != spec.d_out) return fail("embedding row has the wrong size");
  for (float x : row)
    if (!std::isfinite(x)) return fail("embedding row has a non-finite value");
  return std::vector<float>(row.begin(), row.end());
}

Result<std::vector<float>> embedding_train(const EmbeddingSpec& spec, std::span<const float> row,
                                           std::span<const float> target, float lr) {
  auto out = embedding_forward(spec, row);
  if (!out) return out;
  if (target.size() != spec.d_out) return fail("target has the wrong size");
  for (float t : target)
    if (!std::isfinite(t)) return fail("target has a non-finite value");
  if (!std::isfinite(lr) || !(lr > 0)) return fail("learning rate must be finite and > 0");
  for (uint32_t j = 0; j < spec.d_out; ++j) (*out)[j] = (*out)[j] - lr * ((*out)[j] - target[j]);
  for (float x : *out)
    if (!std::isfinite(x)) return fail("training step made the row non-finite");
  return out;
}

}  // namespace ghost::ml
