#include "consensus/bft/vote_tally.h"

namespace ghost::bft {

VoteTally::Added VoteTally::add(size_t index, uint64_t power, const VoteValue& value, const pb::SignedVote& sv) {
  if (index >= votes_.size()) votes_.resize(index + 1);
  auto& mine = votes_[index];
  for (const auto& [v, _] : mine)
    if (v == value) return Added::kDuplicate;
  bool first = mine.empty();
  if (mine.size() >= kMaxValuesPerValidator) return Added::kConflict;
  mine.emplace_back(value, sv);
  if (first) any_ += power;
  auto it = std::find_if(power_.begin(), power_.end(), [&](const auto& p) { return p.first == value; });
  if (it == power_.end()) power_.emplace_back(value, power);
  else it->second += power;
  return first ? Added::kNew : Added::kConflict;
}

const pb::SignedVote* VoteTally::vote_of(size_t index) const {
  return index < votes_.size() && !votes_[index].empty() ? &votes_[index].front().second : nullptr;
}

uint64_t VoteTally::power_for(const VoteValue& value) const {
  for (const auto& [v, p] : power_)
    if (v == value) return p;
  return 0;
}

std::vector<pb::SignedVote> VoteTally::votes_for(const VoteValue& value) const {
  std::vector<pb::SignedVote> out;
  for (const auto& mine : votes_)
    for (const auto& [v, sv] : mine)
      if (v == value) out.push_back(sv);
  return out;
}

}  // namespace ghost::bft
