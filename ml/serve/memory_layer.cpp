#include "ml/serve/memory_layer.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

#include "ml/canonical.h"

namespace ghost::ml {

MemoryLayer::MemoryLayer(HopfieldSpec spec, ColumnMatrix keys, std::vector<float> values)
    : spec_(spec), keys_(std::move(keys)), values_(std::move(values)) {
  if (keys_.dim != spec_.d || keys_.count != spec_.n || values_.size() != spec_.n * spec_.d_out)
    throw std::invalid_argument("MemoryLayer: weights do not match the layer's shape");
}

Leaves MemoryLayer::leaves(std::span<const Scored> selected) const {
  Leaves l;
  for (auto s : selected) {
    l.indices.push_back(s.index);
    auto k = keys_.column(s.index);
    auto v = value(s.index);
    l.keys.insert(l.keys.end(), k.begin(), k.end());
    l.values.insert(l.values.end(), v.begin(), v.end());
  }
  return l;
}

Result<HopfieldPass> MemoryLayer::forward(ByteSpan input, unsigned threads) const {
  auto x = query_from_input(input, spec_);
  if (!x) return std::unexpected(x.error());
  return forward_from_leaves(spec_, *x, leaves(exact_top_k(keys_, *x, spec_.k, threads)));
}

Result<void> MemoryLayer::train(ByteSpan input, std::span<const float> target, float lr, unsigned threads) {
  auto x = query_from_input(input, spec_);
  if (!x) return std::unexpected(x.error());
  auto step = train_from_leaves(spec_, *x, leaves(exact_top_k(keys_, *x, spec_.k, threads)), target, lr);
  if (!step) return std::unexpected(step.error());
  store(step->updated);
  return {};
}

void MemoryLayer::store(const Leaves& updated) {
  for (size_t r = 0; r < updated.indices.size(); ++r) {
    auto k = updated.key(r, spec_.d);
    auto v = updated.value(r, spec_.d_out);
    std::copy(k.begin(), k.end(), keys_.column(updated.indices[r]).begin());
    std::copy(v.begin(), v.end(), values_.begin() + updated.indices[r] * spec_.d_out);
  }
}

namespace {
constexpr size_t kBatch = 32;  // queries per pass over W_K
}  // namespace

std::vector<Result<HopfieldPass>> MemoryLayer::forward_batch(std::span<const ByteSpan> inputs, unsigned threads) const {
  std::vector<Result<HopfieldPass>> out;
  out.reserve(inputs.size());
  for (size_t first = 0; first < inputs.size(); first += kBatch) {
    const size_t q = std::min(kBatch, inputs.size() - first);
    std::vector<std::vector<float>> x(q);
    std::vector<std::optional<Error>> bad(q);  // the decoding error of input j, if any
    std::vector<std::vector<float>> valid;
    for (size_t j = 0; j < q; ++j) {
      auto xj = query_from_input(inputs[first + j], spec_);
      if (xj) x[j] = std::move(*xj), valid.push_back(x[j]);
      else bad[j] = xj.error();
    }
    auto tops = exact_top_k_batch(keys_, valid, spec_.k, threads);
    for (size_t j = 0, v = 0; j < q; ++j)
      out.push_back(bad[j] ? Result<HopfieldPass>(std::unexpected(*bad[j]))
                           : forward_from_leaves(spec_, x[j], leaves(tops[v++])));
  }
  return out;
}

Result<void> MemoryLayer::train_sequence(std::span<const ByteSpan> inputs, std::span<const std::vector<float>> targets,
                                         std::span<const float> lrs, unsigned threads) {
  if (targets.size() != inputs.size() || lrs.size() != inputs.size())
    throw std::invalid_argument("train_sequence: inputs, targets and lrs differ in length");
  const size_t k = spec_.selected_count();
  for (size_t first = 0; first < inputs.size(); first += kBatch) {
    size_t q = std::min(kBatch, inputs.size() - first);
    std::vector<std::vector<float>> x;
    std::optional<Error> bad_input;  // the steps before a bad input still run, as with train()
    for (size_t j = 0; j < q && !bad_input; ++j) {
      auto xj = query_from_input(inputs[first + j], spec_);
      if (xj) x.push_back(std::move(*xj));
      else bad_input = xj.error();
    }
    q = x.size();
    // Steps before j change at most k * j columns, so the best k unchanged columns of step j
    // are among its top-(k * q) before the batch.
    auto tops = exact_top_k_batch(keys_, x, k * q, threads);
    std::vector<uint64_t> changed;  // sorted
    for (size_t j = 0; j < q; ++j) {
      std::vector<Scored> candidates;
      for (const Scored& s : tops[j])
        if (!std::binary_search(changed.begin(), changed.end(), s.index)) candidates.push_back(s);
      for (uint64_t c : changed) candidates.push_back({dot(keys_.column(c), x[j]), c});
      auto step = train_from_leaves(spec_, x[j], leaves(best_of(std::move(candidates), k)), targets[first + j],
                                    lrs[first + j]);
      if (!step) return std::unexpected(step.error());
      store(step->updated);
      for (uint64_t c : step->updated.indices) {
        auto at = std::lower_bound(changed.begin(), changed.end(), c);
        if (at == changed.end() || *at != c) changed.insert(at, c);
      }
    }
    if (bad_input) return std::unexpected(*bad_input);
  }
  return {};
}

}  // namespace ghost::ml
