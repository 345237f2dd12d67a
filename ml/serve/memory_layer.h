// A Hopfield layer whose weights are all in memory: exact top-k, forward and training in
// canonical arithmetic with no store or index (experiments, accuracy benchmarks, tests).
// Computes the same bits as a Model with Search::exact.
#pragma once

#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "ml/hopfield.h"
#include "ml/matrix.h"

namespace ghost::ml {

class MemoryLayer {
 public:
  // keys: d x n (columns unit norm), values: n rows of d_out.
  MemoryLayer(HopfieldSpec spec, ColumnMatrix keys, std::vector<float> values);

  const HopfieldSpec& spec() const { return spec_; }
  const ColumnMatrix& keys() const { return keys_; }
  std::span<const float> value(uint64_t i) const { return {values_.data() + i * spec_.d_out, spec_.d_out}; }

  Leaves leaves(std::span<const Scored> selected) const;
  // Exact forward pass of an encoded input; `threads` for the top-k scan (0 = all cores).
  Result<HopfieldPass> forward(ByteSpan input, unsigned threads = 0) const;
  // One sparse training step on an encoded input; updates the k selected leaves in place.
  Result<void> train(ByteSpan input, std::span<const float> target, float lr, unsigned threads = 0);

  // The same results as forward() / train() called on each input in order, bit for bit, but
  // reading W_K once per batch of inputs instead of once per input (the exact top-k scan is
  // bound by memory bandwidth, so evaluation and training runs are several times faster).
  // train_sequence keeps each input's top-(k * batch) of the W_K before the batch and rescores
  // only the columns the batch's earlier steps changed. Stops at the first failing step.
  std::vector<Result<HopfieldPass>> forward_batch(std::span<const ByteSpan> inputs, unsigned threads = 0) const;
  Result<void> train_sequence(std::span<const ByteSpan> inputs, std::span<const std::vector<float>> targets,
                              std::span<const float> lrs, unsigned threads = 0);

 private:
  void store(const Leaves& updated);  // writes updated leaves into the weights

  HopfieldSpec spec_;
  ColumnMatrix keys_;
  std::vector<float> values_;
};

}  // namespace ghost::ml
