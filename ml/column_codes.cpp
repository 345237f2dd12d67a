#include "ml/column_codes.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace ghost::ml {

namespace {

__attribute__((target("avx512bw"))) int32_t code_dot_avx512(const int8_t* pa, const int8_t* pb, size_t n) {
  __m512i acc = _mm512_setzero_si512();
  for (size_t j = 0; j < n; j += 32) {
    const __m512i x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pa + j)));
    const __m512i y = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pb + j)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(x, y));
  }
  // Lanes summed through memory: GCC 12's _mm512_reduce_add_epi32 trips -Wuninitialized.
  alignas(64) int32_t lane[16];
  _mm512_store_si512(lane, acc);
  int32_t dot = 0;
  for (int32_t v : lane) dot += v;
  return dot;
}

__attribute__((target("avx2"))) int32_t code_dot_avx2(const int8_t* pa, const int8_t* pb, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  for (size_t j = 0; j < n; j += 16) {
    const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pa + j)));
    const __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pb + j)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
  }
  const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  const __m128i t = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  return _mm_cvtsi128_si32(_mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1)));
}

int32_t code_dot_scalar(const int8_t* pa, const int8_t* pb, size_t n) {
  int32_t dot = 0;
  for (size_t j = 0; j < n; ++j) dot += int32_t(pa[j]) * int32_t(pb[j]);
  return dot;
}

const int8_t* values_of(const void* code) { return static_cast<const int8_t*>(code); }

template <CodeDot kDot>
float distance(const void* a, const void* b, const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  auto ca = static_cast<const uint8_t*>(a), cb = static_cast<const uint8_t*>(b);
  return 1.0f - code_scale(ca, n) * code_scale(cb, n) * float(kDot(values_of(a), values_of(b), n));
}

}  // namespace

size_t code_values(uint32_t d) { return (size_t(d) + 63) / 64 * 64; }

size_t code_bytes(uint32_t d) { return code_values(d) + sizeof(float); }

float code_scale(const uint8_t* code, size_t values) {
  float s;
  std::memcpy(&s, code + values, sizeof s);
  return s;
}

void encode_column(std::span<const float> column, uint8_t* out) {
  const size_t n = code_values(uint32_t(column.size()));
  float max_abs = 0;
  for (float x : column)
    if (std::isfinite(x)) max_abs = std::max(max_abs, std::fabs(x));
  const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
  std::memset(out, 0, n);
  for (size_t j = 0; j < column.size(); ++j) {
    const float q = std::nearbyint(column[j] / scale);
    out[j] = std::isnan(q) ? 0 : uint8_t(int8_t(std::clamp(q, -127.0f, 127.0f)));  // NaN would be UB
  }
  std::memcpy(out + n, &scale, sizeof scale);
}

std::span<const CodeDot> code_dot_kernels() {
  static const std::vector<CodeDot> kernels = [] {
    std::vector<CodeDot> k;
    if (__builtin_cpu_supports("avx512bw")) k.push_back(code_dot_avx512);
    if (__builtin_cpu_supports("avx2")) k.push_back(code_dot_avx2);
    k.push_back(code_dot_scalar);
    return k;
  }();
  return kernels;
}

CodeDot code_dot() {
  static const CodeDot fastest = code_dot_kernels().front();
  return fastest;
}

float code_score(const uint8_t* query, const uint8_t* column, size_t values) {
  const int32_t dot = code_dot()(values_of(query), values_of(column), values);
  return code_scale(column, values) * float(dot);  // float(dot) is exact while d <= 1040, rounded above
}

float code_similarity(const uint8_t* a, const uint8_t* b, size_t values) {
  const float scales = code_scale(a, values) * code_scale(b, values);
  return scales * float(code_dot()(values_of(a), values_of(b), values));
}

std::span<const CodeDistance> code_distance_kernels() {
  static const std::vector<CodeDistance> kernels = [] {
    std::vector<CodeDistance> k;
    if (__builtin_cpu_supports("avx512bw")) k.push_back(distance<code_dot_avx512>);
    if (__builtin_cpu_supports("avx2")) k.push_back(distance<code_dot_avx2>);
    k.push_back(distance<code_dot_scalar>);
    return k;
  }();
  return kernels;
}

CodeDistance code_distance() { return code_distance_kernels().front(); }

}  // namespace ghost::ml
