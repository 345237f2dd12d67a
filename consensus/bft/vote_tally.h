// The votes of one (height, round, type). A validator's first vote counts toward "2f+1 of
// any value"; every distinct value it signed counts toward that value, as in the paper,
// where a process counts every message it received: an equivocator's vote for v still helps
// a polka for v that honest peers saw, or late nodes could never unlock. A second value
// from one validator is a conflict (the raw material of duplicate-vote evidence); values
// beyond kMaxValuesPerValidator are dropped to bound memory.
#pragma once

#include <optional>
#include <vector>

#include "consensus/bft/verify.h"

namespace ghost::bft {

class VoteTally {
 public:
  static constexpr size_t kMaxValuesPerValidator = 4;
  explicit VoteTally(size_t validators = 0) : votes_(validators) {}

  enum class Added { kNew, kDuplicate, kConflict };
  // `sv` must already be verified as validator `index`'s vote for `value`.
  Added add(size_t index, uint64_t power, const VoteValue& value, const pb::SignedVote& sv);
  // The first vote a validator sent.
  const pb::SignedVote* vote_of(size_t index) const;

  uint64_t power_for(const VoteValue& value) const;
  uint64_t power_any() const { return any_; }
  // Power per value, in first-seen order.
  const std::vector<std::pair<VoteValue, uint64_t>>& powers() const { return power_; }
  // The votes for `value`, in validator order (a commit's precommits).
  std::vector<pb::SignedVote> votes_for(const VoteValue& value) const;

 private:
  std::vector<std::vector<std::pair<VoteValue, pb::SignedVote>>> votes_;  // per validator
  std::vector<std::pair<VoteValue, uint64_t>> power_;
  uint64_t any_ = 0;
};

}  // namespace ghost::bft
