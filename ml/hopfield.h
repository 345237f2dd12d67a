// The Hopfield lookup layer (docs/protocol.md §3): a query attends to its top-k stored patterns.
//   x̂ = normalized input; s_i = <W_K[:, i], x̂>; A = top-k of s (ties to the lower index);
//   p = softmax(beta * s_A); o_j = sum_{i in A} p_i * W_V[i, j].
// Everything here is canonical arithmetic, so a verifier holding only the revealed leaves
// (the K columns and V rows at A) recomputes the same bits.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "ml/matrix.h"

namespace ghost::ml {

// Values match proto ghost.pb.InputEncoding.
enum class InputEncoding : uint8_t {
  f32 = 1,  // d little-endian float32
  u8 = 2,   // d bytes, x_j = float(b_j) / 255.0f
};

struct HopfieldSpec {
  uint32_t d = 0;      // input (pattern) dimension
  uint32_t d_out = 0;  // output dimension (floats per W_V row)
  uint64_t n = 0;      // stored patterns (columns of W_K, rows of W_V)
  uint32_t k = 0;      // selected set size (min(k, n) when n < k)
  float beta = 0;
  InputEncoding encoding = InputEncoding::f32;

  uint32_t selected_count() const { return n < k ? uint32_t(n) : k; }
};

// Fails unless d, d_out, n, k > 0, beta finite and > 0.
Result<void> validate(const HopfieldSpec& spec);

// Input bytes -> x (not yet normalized). Fails on a wrong length, non-finite f32 values.
Result<std::vector<float>> decode_input(ByteSpan input, uint32_t d, InputEncoding encoding);
// decode_input then normalize: x̂. Fails also on a zero input.
Result<std::vector<float>> query_from_input(ByteSpan input, const HopfieldSpec& spec);

// The revealed leaves of a selected set, in ascending column index.
struct Leaves {
  std::vector<uint64_t> indices;  // ascending, unique
  std::vector<float> keys;        // W_K column of indices[r] at keys[r*d .. r*d+d)
  std::vector<float> values;      // W_V row of indices[r] at values[r*d_out .. r*d_out+d_out)

  std::span<const float> key(size_t r, uint32_t d) const { return {keys.data() + r * d, d}; }
  std::span<const float> value(size_t r, uint32_t d_out) const {
    return {values.data() + r * d_out, d_out};
  }
};

struct HopfieldPass {
  std::vector<uint64_t> selected;  // ascending
  std::vector<float> scores;       // s_i, same order
  std::vector<float> probs;        // p_i, same order
  std::vector<float> output;       // o, d_out floats
};

// A scored column; ordered best first: higher score, then lower index.
struct Scored {
  float score;
  uint64_t index;
};
inline bool better(const Scored& a, const Scored& b) {
  return a.score > b.score || (a.score == b.score && a.index < b.index);
}

// The `count` best of `candidates` by `better`, returned in ascending index order.
// NaN scores never win (they rank below everything).
std::vector<Scored> best_of(std::vector<Scored> candidates, size_t count);

// Exact top-k by brute force over every column of keys (the reference and what validators
// run), split over `threads` threads (0 = all cores). Result ascending by index.
std::vector<Scored> exact_top_k(const ColumnMatrix& keys, std::span<const float> x_hat, size_t k,
                                unsigned threads = 0);
// exact_top_k of every query, in one pass over the columns (the scan is bound by memory
// bandwidth, so a batch costs little more than one query).
std::vector<std::vector<Scored>> exact_top_k_batch(const ColumnMatrix& keys,
                                                   std::span<const std::vector<float>> x_hats, size_t k,
                                                   unsigned threads = 0);

// The forward pass from a selected set and its revealed leaves. Needs no other weights.
// Fails when x_hat has the wrong size, the set is not exactly selected_count() ascending
// unique indices < n, or the leaves have the wrong sizes.
Result<HopfieldPass> forward_from_leaves(const HopfieldSpec& spec, std::span<const float> x_hat,
                                         const Leaves& leaves);

struct HopfieldStep {
  HopfieldPass pass;  // the forward pass before the update
  Leaves updated;     // the same indices with their new K columns and V rows
};

// One sparse training step (docs/protocol.md §3) from the revealed leaves, L = 0.5 |o - t|^2:
//   dO_j = o_j - t_j;  g_i = dot(dO, V_i);  c = sum_l p_l * g_l (ascending l);
//   ds_i = p_i * (g_i - c);  V_i[j] = V_i[j] - lr * (p_i * dO_j);
//   K_i[j] = K_i[j] - lr * ((beta * ds_i) * x̂_j);  then K_i = normalize(K_i).
// Fails as forward_from_leaves, and on a target of the wrong size or non-finite target/lr,
// or a column that cannot be renormalized.
Result<HopfieldStep> train_from_leaves(const HopfieldSpec& spec, std::span<const float> x_hat,
                                       const Leaves& leaves, std::span<const float> target, float lr);

}  // namespace ghost::ml
