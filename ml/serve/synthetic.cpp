#include "ml/serve/synthetic.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ml/canonical.h"

namespace ghost::ml {

namespace {

// SplitMix64: a fixed, portable stream (std:: distributions differ between libraries).
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in (-1, 1) and never exactly 0: an odd multiple of 2^-24 (exact in float32).
  float symmetric() { return float(int64_t(next() >> 40) * 2 + 1 - (int64_t(1) << 24)) * 0x1p-24f; }
};

SplitMix stream(uint64_t seed, uint64_t tag, uint64_t i) {
  SplitMix m{seed ^ (tag * 0xd1b54a32d192ed03ull)};
  m.s ^= SplitMix{i}.next();
  return m;
}

// out = normalize(A z) for the model's fixed d x latent matrix A (row j from stream 4) and
// the latent point z drawn from `rng`.
void latent_point(const SyntheticParams& p, SplitMix rng, std::span<float> out) {
  std::vector<float> z(p.latent), row(p.latent);
  for (float& v : z) v = rng.symmetric();
  for (uint32_t j = 0; j < p.d; ++j) {
    auto a = stream(p.seed, 4, j);
    for (float& v : row) v = a.symmetric();
    out[j] = dot(row, z);
  }
  if (!normalize(out)) std::fill(out.begin(), out.end(), 1.0f / std::sqrt(float(p.d)));
}

}  // namespace

LayerSpec synthetic_layer(const SyntheticParams& p) {
  return {LayerType::hopfield, p.d, p.d_out, p.n, p.k, p.beta, InputEncoding::f32, {}};
}

void synthetic_key(const SyntheticParams& p, uint64_t i, std::span<float> out) {
  auto rng = stream(p.seed, 1, i);
  if (p.latent) return latent_point(p, rng, out);
  for (float& x : out) x = rng.symmetric();
  (void)normalize(out);  // cannot fail: elements are finite and never zero
}

void synthetic_value(const SyntheticParams& p, uint64_t i, std::span<float> out) {
  auto rng = stream(p.seed, 2, i);
  for (float& x : out) x = rng.symmetric();
}

Bytes synthetic_input(uint32_t d, uint64_t seed) {
  auto rng = stream(seed, 3, 0);
  std::vector<float> x(d);
  for (float& v : x) v = rng.symmetric();
  return encode_floats(x);
}

Bytes synthetic_query(const SyntheticParams& p, uint64_t seed) {
  if (!p.latent) return synthetic_input(p.d, seed);
  std::vector<float> x(p.d);
  latent_point(p, stream(p.seed, 5, seed), x);
  return encode_floats(x);
}

MemoryLayer synthetic_memory_layer(const SyntheticParams& p) {
  ColumnMatrix keys(p.d, p.n);
  std::vector<float> values(p.n * p.d_out);
  for (uint64_t i = 0; i < p.n; ++i) {
    synthetic_key(p, i, keys.column(i));
    synthetic_value(p, i, {values.data() + i * p.d_out, p.d_out});
  }
  return MemoryLayer(synthetic_layer(p).hopfield(), std::move(keys), std::move(values));
}

Result<void> build_synthetic_model(const std::filesystem::path& dir, const SyntheticParams& p, unsigned threads, bool progress) {
  auto fill = [&](uint32_t tensor, uint64_t i, std::span<float> out) {
    if (tensor == 0) synthetic_key(p, i, out);
    else synthetic_value(p, i, out);
  };
  return Model::create(dir, "synthetic", {synthetic_layer(p)}, fill, threads, progress);
}

}  // namespace ghost::ml
