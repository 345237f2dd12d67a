// Int8 codes of W_K columns for the HNSW graph's candidate search. A code is the column
// scaled to [-127, 127] and rounded, plus the scale: a quarter of the bytes of the floats,
// so a search reads a quarter of the memory. Codes only rank candidates; every selected
// column is re-scored with the canonical dot product, so they never change an answer's bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ghost::ml {

// Bytes of one code of a d-float column: the int8 values padded with zeros to a multiple
// of 64, then the float32 scale.
size_t code_bytes(uint32_t d);
// Writes the code of `column` to out[0 .. code_bytes(column.size())).
void encode_column(std::span<const float> column, uint8_t* out);

// Inner-product distance of two codes, 1 - <a, b> (hnswlib's DISTFUNC<float> signature);
// `param` points to the padded length as a size_t.
using CodeDistance = float (*)(const void* a, const void* b, const void* param);
// Every implementation this CPU runs, fastest first (AVX-512BW, AVX2, then the portable
// scalar one, always last); all return the same value.
std::span<const CodeDistance> code_distance_kernels();
// The fastest of them.
CodeDistance code_distance();

}  // namespace ghost::ml
