// Duplicate-vote evidence: one validator signed two different votes for the same height,
// round and type. Carried in an Evidence tx; the ledger slashes the validator.
#pragma once

#include <string_view>

#include "consensus/bft/verify.h"

namespace ghost::bft {

// The two votes in canonical order (by encoded vote bytes), so every node that sees the same
// pair builds byte-identical evidence whatever order the votes arrived in.
pb::Evidence make_evidence(const pb::SignedVote& a, const pb::SignedVote& b);

// Both votes validly signed by the same member of `set` (the set of their height), same
// height, round and type, different block hashes, in canonical order. Returns the
// validator's index.
Result<size_t> verify_evidence(const pb::Evidence& ev, const ValidatorSet& set, std::string_view chain_id,
                               SigCache* cache = nullptr);

}  // namespace ghost::bft
