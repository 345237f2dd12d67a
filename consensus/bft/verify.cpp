#include "consensus/bft/verify.h"

#include "proto/decode.h"

namespace ghost::bft {

namespace {
bool check_sig(const PublicKey& key, SignDomain domain, std::string_view chain_id,
               const google::protobuf::MessageLite& msg, const std::string& sig_bytes, SigCache* cache) {
  auto sig = Signature::from_bytes(as_bytes(sig_bytes));
  if (!sig) return false;
  Hash32 digest = signing_hash(domain, chain_id, pb::encode(msg));
  return cache ? cache->verify(key, digest, *sig) : verify_hash(key, digest, *sig);
}
}  // namespace

Result<VoteValue> vote_value(const pb::Vote& vote) {
  if (vote.block_hash().empty()) return VoteValue{};
  if (vote.block_hash().size() != 32) return fail("a vote's block hash is 32 bytes or empty (nil)");
  return VoteValue{Hash32::from_span(as_bytes(vote.block_hash()))};
}

Result<size_t> verify_vote(const pb::SignedVote& sv, const ValidatorSet& set, std::string_view chain_id,
                           SigCache* cache) {
  if (!sv.has_vote()) return fail("signed vote without a vote");
  const pb::Vote& v = sv.vote();
  if (v.type() != pb::PREVOTE && v.type() != pb::PRECOMMIT) return fail("vote type is neither prevote nor precommit");
  if (auto val = vote_value(v); !val) return std::unexpected(val.error());
  auto idx = set.index_of(as_bytes(v.validator()));
  if (!idx) return fail("vote from a key that is not a validator at height " + std::to_string(v.height()));
  if (!check_sig(set.validators()[*idx].key, SignDomain::kVote, chain_id, v, sv.signature(), cache))
    return fail("bad vote signature");
  return *idx;
}

Result<void> verify_proposal(const pb::SignedProposal& sp, const ValidatorSet& set, size_t proposer,
                             std::string_view chain_id, SigCache* cache) {
  if (!sp.has_proposal()) return fail("signed proposal without a proposal");
  const pb::Proposal& p = sp.proposal();
  if (p.block_hash().size() != 32) return fail("a proposal's block hash is 32 bytes");
  if (p.pol_round() < -1 || p.pol_round() >= int64_t(p.round())) return fail("pol_round must be -1 or below round");
  if (proposer >= set.size()) return fail("no proposer");
  const PublicKey& key = set.validators()[proposer].key;
  if (!same_bytes(key.bytes, p.proposer()))
    return fail("proposal signed by a validator that is not the proposer of round " + std::to_string(p.round()));
  if (!check_sig(key, SignDomain::kProposal, chain_id, p, sp.signature(), cache))
    return fail("bad proposal signature");
  return {};
}

}  // namespace ghost::bft
