// A commit: more than 2/3 of a height's voting power precommitted one block in one round.
// The next block carries it, and anyone holding the validator set can check it.
#pragma once

#include <string_view>
#include <vector>

#include "consensus/bft/verify.h"

namespace ghost::bft {

pb::Commit make_commit(uint64_t height, uint32_t round, const Hash32& block_hash,
                       const std::vector<pb::SignedVote>& precommits);

// Every entry must be a correctly signed precommit for exactly (height, round, block_hash)
// from a distinct member of `set`, and together they must hold more than 2/3 of its power.
Result<void> verify_commit(const pb::Commit& commit, const ValidatorSet& set, std::string_view chain_id,
                           SigCache* cache = nullptr);

}  // namespace ghost::bft
