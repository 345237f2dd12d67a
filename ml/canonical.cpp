#include "ml/canonical.h"

#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ghost::ml {

static_assert(std::endian::native == std::endian::little, "leaf bytes are little-endian floats");

namespace {

float reduce_lanes(const float l[8]) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

void check_lengths(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) throw std::invalid_argument("dot: vectors of different lengths");
}

}  // namespace

float dot_scalar(std::span<const float> a, std::span<const float> b) {
  check_lengths(a, b);
  float lane[8] = {};
  for (size_t j = 0; j < a.size(); ++j) {
    float p = a[j] * b[j];
    lane[j % 8] = lane[j % 8] + p;
  }
  return reduce_lanes(lane);
}

// Same operations as dot_scalar, eight lanes at a time: a separate multiply and add
// (never _mm256_fmadd_ps) so every lane sees the same roundings.
__attribute__((target("avx2"))) float dot_simd(std::span<const float> a, std::span<const float> b) {
  check_lengths(a, b);
  const size_t full = a.size() / 8 * 8;
  __m256 acc = _mm256_setzero_ps();
  for (size_t j = 0; j < full; j += 8) {
    __m256 p = _mm256_mul_ps(_mm256_loadu_ps(a.data() + j), _mm256_loadu_ps(b.data() + j));
    acc = _mm256_add_ps(acc, p);
  }
  alignas(32) float lane[8];
  _mm256_store_ps(lane, acc);
  for (size_t j = full; j < a.size(); ++j) {
    float p = a[j] * b[j];
    lane[j % 8] = lane[j % 8] + p;
  }
  return reduce_lanes(lane);
}

namespace {

// Four columns at once, each with its own lane accumulator: the same operations per column
// as dot_simd, interleaved to hide the add latency.
__attribute__((target("avx2"))) void dot4_simd(std::span<const float> q, const float* c, float* out) {
  const size_t d = q.size(), full = d / 8 * 8;
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (size_t j = 0; j < full; j += 8) {
    const __m256 x = _mm256_loadu_ps(q.data() + j);
    for (int r = 0; r < 4; ++r) acc[r] = _mm256_add_ps(acc[r], _mm256_mul_ps(_mm256_loadu_ps(c + r * d + j), x));
  }
  for (int r = 0; r < 4; ++r) {
    alignas(32) float lane[8];
    _mm256_store_ps(lane, acc[r]);
    for (size_t j = full; j < d; ++j) {
      float p = c[r * d + j] * q[j];
      lane[j % 8] = lane[j % 8] + p;
    }
    out[r] = reduce_lanes(lane);
  }
}

}  // namespace

void dot_columns(std::span<const float> q, const float* columns, size_t count, float* out) {
  const size_t d = q.size();
  size_t c = 0;
  if (simd_available())
    for (; c + 4 <= count; c += 4) dot4_simd(q, columns + c * d, out + c);
  for (; c < count; ++c) out[c] = dot({columns + c * d, d}, q);
}

bool simd_available() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

float dot(std::span<const float> a, std::span<const float> b) {
  return simd_available() ? dot_simd(a, b) : dot_scalar(a, b);
}

Result<void> normalize(std::span<float> v) {
  if (v.empty()) return fail("cannot normalize an empty vector");
  for (float x : v)
    if (!std::isfinite(x)) return fail("vector has a non-finite element");
  const float norm2 = dot(v, v);
  if (!std::isfinite(norm2)) return fail("vector norm overflows float32");
  const float norm = std::sqrt(norm2);  // IEEE sqrtss: correctly rounded
  if (!(norm > 0.0f)) return fail("vector is zero (or its norm underflows)");
  for (float& x : v) x = x / norm;
  return {};
}

std::vector<float> softmax(std::span<const float> scores, float beta) {
  std::vector<float> p(scores.size());
  if (scores.empty()) return p;
  float m = scores[0];
  for (float s : scores)
    if (s > m) m = s;
  for (size_t i = 0; i < scores.size(); ++i) p[i] = exp_f32(beta * (scores[i] - m));
  const float z = sum(p);
  for (float& x : p) x = x / z;
  return p;
}

float sum(std::span<const float> v) {
  float s = 0.0f;
  for (float x : v) s = s + x;
  return s;
}

Bytes encode_floats(std::span<const float> v) {
  Bytes out;
  append_floats(out, v);
  return out;
}

void append_floats(Bytes& out, std::span<const float> v) {
  const size_t at = out.size();
  out.resize(at + v.size() * 4);
  if (!v.empty()) std::memcpy(out.data() + at, v.data(), v.size() * 4);
}

Result<std::vector<float>> decode_floats(ByteSpan data, size_t count) {
  if (data.size() != count * 4)
    return fail("expected " + std::to_string(count) + " float32 (" + std::to_string(count * 4) +
                " bytes), got " + std::to_string(data.size()) + " bytes");
  std::vector<float> v(count);
  decode_floats_into(data, v);
  return v;
}

void decode_floats_into(ByteSpan data, std::span<float> out) {
  if (data.size() != out.size() * 4) throw std::invalid_argument("decode_floats_into: size mismatch");
  if (!out.empty()) std::memcpy(out.data(), data.data(), data.size());
}

}  // namespace ghost::ml
