#include "ml/hopfield.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

#include "base/parallel.h"
#include "ml/canonical.h"

namespace ghost::ml {

namespace {

std::string num(uint64_t v) { return std::to_string(v); }

// NaN ranks below everything, so a strict weak order exists over any scores.
float rank_key(float s) { return std::isnan(s) ? -INFINITY : s; }
bool ranks_before(const Scored& a, const Scored& b) {
  float ka = rank_key(a.score), kb = rank_key(b.score);
  return ka > kb || (ka == kb && a.index < b.index);
}

bool by_index(const Scored& a, const Scored& b) { return a.index < b.index; }

Result<void> check_leaves(const HopfieldSpec& spec, std::span<const float> x_hat, const Leaves& leaves) {
  if (auto v = validate(spec); !v) return v;
  if (x_hat.size() != spec.d) return fail("query has " + num(x_hat.size()) + " floats, layer d = " + num(spec.d));
  const size_t count = spec.selected_count();
  if (leaves.indices.size() != count)
    return fail("selected set has " + num(leaves.indices.size()) + " indices, layer selects " + num(count));
  for (size_t r = 0; r < count; ++r) {
    if (leaves.indices[r] >= spec.n) return fail("selected index " + num(leaves.indices[r]) + " >= n");
    if (r > 0 && leaves.indices[r] <= leaves.indices[r - 1])
      return fail("selected indices are not ascending and unique");
  }
  if (leaves.keys.size() != count * spec.d) return fail("wrong number of W_K floats for the selected set");
  if (leaves.values.size() != count * size_t(spec.d_out))
    return fail("wrong number of W_V floats for the selected set");
  return {};
}

}  // namespace

Result<void> validate(const HopfieldSpec& spec) {
  if (spec.d == 0 || spec.d_out == 0 || spec.n == 0 || spec.k == 0)
    return fail("hopfield layer needs d, d_out, n and k > 0");
  if (!std::isfinite(spec.beta) || !(spec.beta > 0)) return fail("hopfield beta must be finite and > 0");
  if (spec.encoding != InputEncoding::f32 && spec.encoding != InputEncoding::u8)
    return fail("unknown input encoding");
  return {};
}

Result<std::vector<float>> decode_input(ByteSpan input, uint32_t d, InputEncoding encoding) {
  std::vector<float> x(d);
  switch (encoding) {
    case InputEncoding::u8:
      if (input.size() != d) return fail("u8 input must be " + num(d) + " bytes, got " + num(input.size()));
      for (uint32_t j = 0; j < d; ++j) x[j] = float(input[j]) / 255.0f;
      return x;
    case InputEncoding::f32:
      if (input.size() != size_t(d) * 4)
        return fail("f32 input must be " + num(size_t(d) * 4) + " bytes, got " + num(input.size()));
      decode_floats_into(input, x);
      for (float v : x)
        if (!std::isfinite(v)) return fail("f32 input has a non-finite value");
      return x;
  }
  return fail("unknown input encoding");
}

Result<std::vector<float>> query_from_input(ByteSpan input, const HopfieldSpec& spec) {
  auto x = decode_input(input, spec.d, spec.encoding);
  if (!x) return x;
  if (auto r = normalize(*x); !r) return fail(r.error(), "input: ");
  return x;
}

std::vector<Scored> best_of(std::vector<Scored> candidates, size_t count) {
  count = std::min(count, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + count, candidates.end(), ranks_before);
  candidates.resize(count);
  std::sort(candidates.begin(), candidates.end(), by_index);
  return candidates;
}

std::vector<std::vector<Scored>> exact_top_k_batch(const ColumnMatrix& keys,
                                                   std::span<const std::vector<float>> x_hats, size_t k,
                                                   unsigned threads) {
  const uint64_t n = keys.count;
  threads = unsigned(std::min<uint64_t>(resolve_threads(threads), std::max<uint64_t>(1, n / 4096)));
  const size_t q = x_hats.size();
  // heaps[t * q + j]: thread t's best k for query j, the worst of the kept ones on top.
  std::vector<std::vector<Scored>> heaps(threads * q);
  parallel_chunks(n, threads, [&](unsigned t, uint64_t lo, uint64_t hi) {
    constexpr uint64_t kBlock = 64;  // columns scored by every query while they sit in cache
    float scores[kBlock];
    for (uint64_t b = lo; b < hi; b += kBlock) {
      const uint64_t m = std::min(kBlock, hi - b);
      for (size_t j = 0; j < q; ++j) {
        dot_columns(x_hats[j], keys.column(b).data(), m, scores);
        std::vector<Scored>& heap = heaps[t * q + j];
        for (uint64_t r = 0; r < m; ++r) {
          Scored s{scores[r], b + r};
          if (heap.size() < k) {
            heap.push_back(s);
            std::push_heap(heap.begin(), heap.end(), ranks_before);
          } else if (k > 0 && ranks_before(s, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), ranks_before);
            heap.back() = s;
            std::push_heap(heap.begin(), heap.end(), ranks_before);
          }
        }
      }
    }
  });
  std::vector<std::vector<Scored>> out(q);
  for (size_t j = 0; j < q; ++j) {
    std::vector<Scored> all;
    for (unsigned t = 0; t < threads; ++t) all.insert(all.end(), heaps[t * q + j].begin(), heaps[t * q + j].end());
    out[j] = best_of(std::move(all), k);
  }
  return out;
}

std::vector<Scored> exact_top_k(const ColumnMatrix& keys, std::span<const float> x_hat, size_t k, unsigned threads) {
  const std::vector<float> one(x_hat.begin(), x_hat.end());
  return std::move(exact_top_k_batch(keys, {&one, 1}, k, threads).front());
}

Result<HopfieldPass> forward_from_leaves(const HopfieldSpec& spec, std::span<const float> x_hat, const Leaves& leaves) {
  if (auto r = check_leaves(spec, x_hat, leaves); !r) return std::unexpected(r.error());
  const size_t count = leaves.indices.size();
  HopfieldPass pass;
  pass.selected = leaves.indices;
  pass.scores.resize(count);
  for (size_t r = 0; r < count; ++r) pass.scores[r] = dot(leaves.key(r, spec.d), x_hat);
  pass.probs = softmax(pass.scores, spec.beta);
  pass.output.assign(spec.d_out, 0.0f);
  for (size_t r = 0; r < count; ++r) {
    const auto v = leaves.value(r, spec.d_out);
    for (uint32_t j = 0; j < spec.d_out; ++j) pass.output[j] = pass.output[j] + pass.probs[r] * v[j];
  }
  for (float o : pass.output)
    if (!std::isfinite(o)) return fail("forward pass produced a non-finite output (non-finite leaves)");
  return pass;
}

Result<HopfieldStep> train_from_leaves(const HopfieldSpec& spec, std::span<const float> x_hat, const Leaves& leaves,
                                       std::span<const float> target, float lr) {
  if (target.size() != spec.d_out)
    return fail("target has " + num(target.size()) + " floats, layer d_out = " + num(spec.d_out));
  for (float t : target)
    if (!std::isfinite(t)) return fail("target has a non-finite value");
  if (!std::isfinite(lr) || !(lr > 0)) return fail("learning rate must be finite and > 0");
  auto pass = forward_from_leaves(spec, x_hat, leaves);
  if (!pass) return std::unexpected(pass.error());

  const size_t count = leaves.indices.size();
  const uint32_t d = spec.d, d_out = spec.d_out;
  std::vector<float> d_o(d_out);
  for (uint32_t j = 0; j < d_out; ++j) d_o[j] = pass->output[j] - target[j];
  std::vector<float> g(count);
  float c = 0.0f;
  for (size_t r = 0; r < count; ++r) {
    g[r] = dot(d_o, leaves.value(r, d_out));
    c = c + pass->probs[r] * g[r];
  }

  HopfieldStep step{std::move(*pass), leaves};
  const auto& p = step.pass.probs;
  for (size_t r = 0; r < count; ++r) {
    const float ds = p[r] * (g[r] - c);
    float* v = step.updated.values.data() + r * d_out;
    for (uint32_t j = 0; j < d_out; ++j) v[j] = v[j] - lr * (p[r] * d_o[j]);
    const float coef = spec.beta * ds;
    std::span<float> key(step.updated.keys.data() + r * d, d);
    for (uint32_t j = 0; j < d; ++j) key[j] = key[j] - lr * (coef * x_hat[j]);
    if (auto n = normalize(key); !n)
      return fail(n.error(), "column " + num(leaves.indices[r]) + " cannot be renormalized: ");
    for (uint32_t j = 0; j < d_out; ++j)
      if (!std::isfinite(v[j])) return fail("training step made row " + num(leaves.indices[r]) + " non-finite");
  }
  return step;
}

}  // namespace ghost::ml
