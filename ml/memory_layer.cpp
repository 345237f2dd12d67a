#include "ml/memory_layer.h"

#include <algorithm>
#include <stdexcept>

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
  const Leaves& u = step->updated;
  for (size_t r = 0; r < u.indices.size(); ++r) {
    auto k = u.key(r, spec_.d);
    auto v = u.value(r, spec_.d_out);
    std::copy(k.begin(), k.end(), keys_.column(u.indices[r]).begin());
    std::copy(v.begin(), v.end(), values_.begin() + u.indices[r] * spec_.d_out);
  }
  return {};
}

}  // namespace ghost::ml
