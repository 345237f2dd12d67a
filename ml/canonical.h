// Canonical float32 arithmetic (docs/protocol.md §3): every machine computes the same bits.
// float32 round-to-nearest-even, multiply then add (never fused), sums in a fixed order.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ghost::ml {

// Dot product of equal-length vectors: lane j % 8 accumulates a[j] * b[j] in index order,
// then ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). Uses AVX2 when the CPU has it.
float dot(std::span<const float> a, std::span<const float> b);
// The reference definition, one lane at a time.
float dot_scalar(std::span<const float> a, std::span<const float> b);
// The 8-wide SIMD version; only call when simd_available(). Bit-identical to dot_scalar.
float dot_simd(std::span<const float> a, std::span<const float> b);
bool simd_available();

// out[c] = dot(q, column c) for `count` columns of q.size() floats stored contiguously at
// `columns`: the same bits as dot(), several columns per pass (the exact top-k scan).
void dot_columns(std::span<const float> q, const float* columns, size_t count, float* out);

// The project's own float32 exp (range reduction by ln 2 + fixed polynomial, only
// add/mul/convert). exp(x) = 0 for x < -104, +inf for x > 88.72, NaN stays NaN.
float exp_f32(float x);

// v_j / sqrt(dot(v, v)) element by element (IEEE division by the correctly rounded sqrt).
// Fails on an empty vector, any non-finite element, or a zero (or underflowing) norm.
Result<void> normalize(std::span<float> v);

// p_i = e_i / Z with e_i = exp_f32(beta * (s_i - max s)), Z summed in the given order
// (callers pass the scores of the selected set in ascending column index).
std::vector<float> softmax(std::span<const float> scores, float beta);

// Sequential sum in index order.
float sum(std::span<const float> v);

// Leaf bytes: little-endian IEEE-754 float32, in order.
Bytes encode_floats(std::span<const float> v);
void append_floats(Bytes& out, std::span<const float> v);
// Fails unless data.size() == 4 * count.
Result<std::vector<float>> decode_floats(ByteSpan data, size_t count);
void decode_floats_into(ByteSpan data, std::span<float> out);  // data.size() must be 4 * out.size()

}  // namespace ghost::ml
