// Synthetic models for scale tests: n unit-norm random columns of dimension d and random
// value rows, all a pure function of the seed (same seed, same weights, same roots).
// Columns are uniform on the sphere (full intrinsic dimension: the hardest case for an index),
// or normalize(A z) for a fixed random d x r matrix A and random latent points z: intrinsic
// dimension r, as image and text embeddings have (tens, not hundreds).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "base/result.h"
#include "ml/serve/memory_layer.h"
#include "ml/serve/model.h"

namespace ghost::ml {

struct SyntheticParams {
  uint64_t n = 1000;
  uint32_t d = 128;
  uint32_t d_out = 16;
  uint32_t k = 16;
  float beta = 20;
  uint64_t seed = 1;
  uint32_t latent = 0;  // r: 0 = uniform on the sphere, else the intrinsic dimension
};

LayerSpec synthetic_layer(const SyntheticParams& p);
// Column i of W_K (d floats, unit norm) and row i of W_V (d_out floats in [-1, 1)).
void synthetic_key(const SyntheticParams& p, uint64_t i, std::span<float> out);
void synthetic_value(const SyntheticParams& p, uint64_t i, std::span<float> out);
// A random f32 input of dimension d from a seed.
Bytes synthetic_input(uint32_t d, uint64_t seed);
// An input drawn like the model's columns (for a uniform model: synthetic_input).
Bytes synthetic_query(const SyntheticParams& p, uint64_t seed);

// The same weights held in memory.
MemoryLayer synthetic_memory_layer(const SyntheticParams& p);

Result<void> build_synthetic_model(const std::filesystem::path& dir, const SyntheticParams& p,
                                   unsigned threads = 0, bool progress = false);

}  // namespace ghost::ml
