// The validators of one height: consensus keys, voting power (= bonded stake) and the
// proposer priorities that drive weighted round-robin proposer selection (proposer.h).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/hash.h"
#include "crypto/keys.h"

namespace ghost::bft {

struct Validator {
  PublicKey key;
  uint64_t power = 0;
  int64_t priority = 0;
};

// Largest total voting power: priorities stay far from int64 overflow (CometBFT's bound).
inline constexpr uint64_t kMaxTotalVotingPower = uint64_t(INT64_MAX) / 8;

class ValidatorSet {
 public:
  ValidatorSet() = default;
  // Rejects an empty set, zero power, duplicate keys and a total above kMaxTotalVotingPower.
  // Validators are kept in canonical order: power descending, then key ascending.
  static Result<ValidatorSet> make(std::vector<Validator> validators);
  // The top `max_validators` stakes (power descending, key ascending; zero stakes skipped).
  static Result<ValidatorSet> from_stakes(const std::vector<Validator>& stakes, size_t max_validators);

  const std::vector<Validator>& validators() const { return validators_; }
  std::vector<Validator>& mutable_validators() { return validators_; }
  size_t size() const { return validators_.size(); }
  uint64_t total_power() const { return total_; }
  std::optional<size_t> index_of(const PublicKey& key) const;
  std::optional<size_t> index_of(ByteSpan key) const;

  // More than 2/3 of the total power: enough to decide.
  bool is_quorum(uint64_t power) const { return 3 * (unsigned __int128)power > 2 * (unsigned __int128)total_; }
  // More than 1/3: at least one honest validator is among them.
  bool exceeds_one_third(uint64_t power) const { return 3 * (unsigned __int128)power > total_; }

  // Index of the proposer selected by the last priority increment (proposer.h).
  size_t proposer_index() const { return proposer_; }
  void set_proposer_index(size_t i) { proposer_ = i; }

  // Commitment to keys and powers in canonical order (block headers carry it).
  Hash32 hash() const;

 private:
  std::vector<Validator> validators_;
  uint64_t total_ = 0;
  size_t proposer_ = 0;
};

}  // namespace ghost::bft
