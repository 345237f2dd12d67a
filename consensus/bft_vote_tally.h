// The votes of one (height, round, type): the first vote of each validator counts, power
// is summed per value, and a second, different vote from the same validator is a conflict
// (the raw material of duplicate-vote evidence).
#pragma once

#include <optional>
#include <vector>

#include "consensus/bft_verify.h"

namespace ghost::consensus {

class VoteTally {
 public:
  explicit VoteTally(size_t validators = 0) : votes_(validators) {}

  enum class Added { kNew, kDuplicate, kConflict };
  // `sv` must already be verified as validator `index`'s vote for `value`.
  Added add(size_t index, uint64_t power, const VoteValue& value, const pb::SignedVote& sv);
  // The counted vote of a validator (the first one it sent).
  const pb::SignedVote* vote_of(size_t index) const;

  uint64_t power_for(const VoteValue& value) const;
  uint64_t power_any() const { return any_; }
  // Power per value, in first-seen order.
  const std::vector<std::pair<VoteValue, uint64_t>>& powers() const { return power_; }
  // The counted votes for `value`, in validator order (a commit's precommits).
  std::vector<pb::SignedVote> votes_for(const VoteValue& value) const;

 private:
  struct Entry {
    std::optional<pb::SignedVote> vote;
    VoteValue value;
  };
  std::vector<Entry> votes_;
  std::vector<std::pair<VoteValue, uint64_t>> power_;
  uint64_t any_ = 0;
};

}  // namespace ghost::consensus
