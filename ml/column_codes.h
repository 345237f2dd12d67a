// Int8 codes of W_K columns: what the committed search graph compares (docs/protocol.md
// §3.22). A code is the column scaled to [-127, 127] and rounded, plus the scale: a quarter
// of the bytes of the floats, so a search reads a quarter of the memory. Codes only rank
// candidates; every column the search keeps is re-scored with the canonical dot product.
// The integer products are exact, so every kernel gives the same bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ghost::ml {

// Int8 values of a d-float column's code: d padded with zeros to a multiple of 64.
size_t code_values(uint32_t d);
// Bytes of one code: code_values(d) int8 values, then the little-endian float32 scale.
size_t code_bytes(uint32_t d);
// Writes the code of `column` to out[0 .. code_bytes(column.size())):
//   scale = max|x_j| / 127 (1 if every x_j is 0), c_j = clamp(nearbyint(x_j / scale), -127, 127).
void encode_column(std::span<const float> column, uint8_t* out);
// The scale of a code of `values` int8 values.
float code_scale(const uint8_t* code, size_t values);

// Sum of a_j * b_j over `values` int8 values (a multiple of 64), exactly.
using CodeDot = int32_t (*)(const int8_t* a, const int8_t* b, size_t values);
// Every implementation this CPU runs, fastest first (AVX-512BW, AVX2, then the portable
// scalar one, always last).
std::span<const CodeDot> code_dot_kernels();
CodeDot code_dot();

// The canonical search's score of a column for a query (both codes of `values` values):
// float32(scale_column * float32(dot)). The query's scale is common to every column and left
// out. One rounding, so every implementation ranks columns the same.
float code_score(const uint8_t* query, const uint8_t* column, size_t values);
// The similarity of two columns' codes, (scale_a * scale_b) * dot (building the graph).
float code_similarity(const uint8_t* a, const uint8_t* b, size_t values);

// Inner-product distance of two codes, 1 - <a, b>, for hnswlib's DISTFUNC<float> (the
// benchmark's baseline index); `param` points to the padded length as a size_t.
using CodeDistance = float (*)(const void* a, const void* b, const void* param);
std::span<const CodeDistance> code_distance_kernels();  // as code_dot_kernels()
CodeDistance code_distance();

}  // namespace ghost::ml
