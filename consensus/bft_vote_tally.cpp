#include "consensus/bft_vote_tally.h"

namespace ghost::consensus {

VoteTally::Added VoteTally::add(size_t index, uint64_t power, const VoteValue& value, const pb::SignedVote& sv) {
  if (index >= votes_.size()) votes_.resize(index + 1);
  Entry& e = votes_[index];
  if (e.vote) return e.value == value ? Added::kDuplicate : Added::kConflict;
  e.vote = sv;
  e.value = value;
  any_ += power;
  for (auto& [v, p] : power_)
    if (v == value) {
      p += power;
      return Added::kNew;
    }
  power_.emplace_back(value, power);
  return Added::kNew;
}

const pb::SignedVote* VoteTally::vote_of(size_t index) const {
  return index < votes_.size() && votes_[index].vote ? &*votes_[index].vote : nullptr;
}

uint64_t VoteTally::power_for(const VoteValue& value) const {
  for (const auto& [v, p] : power_)
    if (v == value) return p;
  return 0;
}

std::vector<pb::SignedVote> VoteTally::votes_for(const VoteValue& value) const {
  std::vector<pb::SignedVote> out;
  for (const auto& e : votes_)
    if (e.vote && e.value == value) out.push_back(*e.vote);
  return out;
}

}  // namespace ghost::consensus
