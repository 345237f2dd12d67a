#include "consensus/bft/validator_set.h"

#include <algorithm>

namespace ghost::bft {

namespace {
bool canonical_less(const Validator& a, const Validator& b) {
  if (a.power != b.power) return a.power > b.power;
  return a.key < b.key;
}
}  // namespace

Result<ValidatorSet> ValidatorSet::make(std::vector<Validator> validators) {
  if (validators.empty()) return fail("a validator set cannot be empty");
  std::sort(validators.begin(), validators.end(), canonical_less);
  ValidatorSet set;
  for (size_t i = 0; i < validators.size(); ++i) {
    if (validators[i].power == 0) return fail("validator " + validators[i].key.hex() + " has zero power");
    if (validators[i].power > kMaxTotalVotingPower - set.total_)
      return fail("total voting power exceeds " + std::to_string(kMaxTotalVotingPower));
    set.total_ += validators[i].power;
    for (size_t j = 0; j < i; ++j)
      if (validators[j].key == validators[i].key) return fail("duplicate validator " + validators[i].key.hex());
  }
  set.validators_ = std::move(validators);
  return set;
}

Result<ValidatorSet> ValidatorSet::from_stakes(const std::vector<Validator>& stakes, size_t max_validators) {
  std::vector<Validator> v;
  for (const auto& s : stakes)
    if (s.power > 0) v.push_back(Validator{s.key, s.power, s.priority});
  std::sort(v.begin(), v.end(), canonical_less);
  if (v.size() > max_validators) v.resize(max_validators);
  return make(std::move(v));
}

std::optional<size_t> ValidatorSet::index_of(const PublicKey& key) const {
  for (size_t i = 0; i < validators_.size(); ++i)
    if (validators_[i].key == key) return i;
  return std::nullopt;
}

std::optional<size_t> ValidatorSet::index_of(ByteSpan key) const {
  if (key.size() != 32) return std::nullopt;
  PublicKey k;
  std::copy(key.begin(), key.end(), k.bytes.begin());
  return index_of(k);
}

Hash32 ValidatorSet::hash() const {
  Sha256 h;
  Bytes n;
  put_u64le(n, validators_.size());
  h.update(n);
  for (const auto& v : validators_) {
    Bytes p;
    put_u64le(p, v.power);
    h.update(v.key.bytes.data(), v.key.bytes.size()).update(p);
  }
  return h.final();
}

}  // namespace ghost::bft
