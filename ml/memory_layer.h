// A Hopfield layer whose weights are all in memory: exact top-k, forward and training in
// canonical arithmetic with no store or index (experiments, accuracy benchmarks, tests).
// Computes the same bits as a Model with Search::exact.
#pragma once

#include <span>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"
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

 private:
  HopfieldSpec spec_;
  ColumnMatrix keys_;
  std::vector<float> values_;
};

}  // namespace ghost::ml
