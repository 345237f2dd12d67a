// Checks of signed consensus messages against the validator set of their height. The sign
// bytes are pb::encode of the Vote / Proposal under SignDomain::kVote / kProposal and the
// chain id (docs/protocol.md §2), so a vote can never stand in for a proposal or another chain's vote.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "crypto/sig_cache.h"
#include "consensus/bft/validator_set.h"
#include "proto/block.pb.h"
#include "proto/tx.pb.h"

namespace ghost::bft {

// Protobuf bytes fields are std::string (signed char): compare them as bytes.
inline bool same_bytes(ByteSpan a, const std::string& b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), as_bytes(b).begin()); }

// nil (an empty block_hash) or the 32-byte hash a vote is for.
using VoteValue = std::optional<Hash32>;

Result<VoteValue> vote_value(const pb::Vote& vote);

// Checks shape (type, hash length), membership and signature; returns the validator's index.
Result<size_t> verify_vote(const pb::SignedVote& sv, const ValidatorSet& set, std::string_view chain_id,
                           SigCache* cache = nullptr);

// Checks shape (pol_round, hash length), that the signer is `set`'s validator `proposer`,
// and the signature. The carried block is the caller's to check against block_hash.
Result<void> verify_proposal(const pb::SignedProposal& sp, const ValidatorSet& set, size_t proposer,
                             std::string_view chain_id, SigCache* cache = nullptr);

}  // namespace ghost::bft
