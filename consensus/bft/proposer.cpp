#include "consensus/bft/proposer.h"

#include <algorithm>

namespace ghost::bft {

namespace {

int64_t clip(__int128 v) {
  return int64_t(std::clamp<__int128>(v, INT64_MIN, INT64_MAX));
}

// Keeps max - min priority within 2 x total power (CometBFT's PriorityWindowSizeFactor).
void rescale(ValidatorSet& set) {
  auto& vs = set.mutable_validators();
  auto [lo, hi] = std::minmax_element(vs.begin(), vs.end(),
                                      [](const Validator& a, const Validator& b) { return a.priority < b.priority; });
  __int128 diff = __int128(hi->priority) - lo->priority;
  __int128 window = 2 * __int128(set.total_power());
  if (window <= 0 || diff <= window) return;
  int64_t ratio = int64_t((diff + window - 1) / window);
  for (auto& v : vs) v.priority /= ratio;  // truncates toward zero, as Go does
}

// Centers priorities on zero (floor of the average, as Go's big.Int Div).
void shift_by_average(ValidatorSet& set) {
  auto& vs = set.mutable_validators();
  __int128 sum = 0;
  for (const auto& v : vs) sum += v.priority;
  __int128 n = __int128(vs.size());
  __int128 avg = sum / n;
  if (sum % n != 0 && sum < 0) --avg;
  for (auto& v : vs) v.priority = clip(__int128(v.priority) - avg);
}

size_t step_once(ValidatorSet& set) {
  auto& vs = set.mutable_validators();
  for (auto& v : vs) v.priority = clip(__int128(v.priority) + v.power);
  size_t best = 0;
  for (size_t i = 1; i < vs.size(); ++i)
    if (vs[i].priority > vs[best].priority || (vs[i].priority == vs[best].priority && vs[i].key < vs[best].key))
      best = i;
  vs[best].priority = clip(__int128(vs[best].priority) - set.total_power());
  return best;
}

}  // namespace

void increment_proposer_priority(ValidatorSet& set, uint32_t times) {
  if (set.size() == 0 || times == 0) return;
  rescale(set);
  shift_by_average(set);
  size_t p = 0;
  for (uint32_t i = 0; i < times; ++i) p = step_once(set);
  set.set_proposer_index(p);
}

ValidatorSet start_schedule(ValidatorSet set) {
  ValidatorSet fresh = carry_priorities(ValidatorSet{}, std::move(set));
  increment_proposer_priority(fresh, 1);
  return fresh;
}

ValidatorSet carry_priorities(const ValidatorSet& current, ValidatorSet next) {
  int64_t newcomer = -clip(__int128(next.total_power()) + (next.total_power() >> 3));
  for (auto& v : next.mutable_validators()) {
    auto i = current.index_of(v.key);
    v.priority = i ? current.validators()[*i].priority : newcomer;
  }
  if (next.size() == 0) return next;
  rescale(next);
  shift_by_average(next);
  return next;
}

size_t proposer_for_round(const ValidatorSet& height_set, uint32_t round) {
  if (round == 0) return height_set.proposer_index();
  ValidatorSet copy = height_set;
  increment_proposer_priority(copy, round);
  return copy.proposer_index();
}

}  // namespace ghost::bft
