#include "consensus/bft/evidence.h"

#include "proto/decode.h"

namespace ghost::bft {

pb::Evidence make_evidence(const pb::SignedVote& a, const pb::SignedVote& b) {
  pb::Evidence ev;
  bool swap = pb::encode(b.vote()) < pb::encode(a.vote());
  *ev.mutable_vote_a() = swap ? b : a;
  *ev.mutable_vote_b() = swap ? a : b;
  return ev;
}

Result<size_t> verify_evidence(const pb::Evidence& ev, const ValidatorSet& set, std::string_view chain_id,
                               SigCache* cache) {
  const pb::Vote& a = ev.vote_a().vote();
  const pb::Vote& b = ev.vote_b().vote();
  if (a.validator() != b.validator()) return fail("evidence votes are from different validators");
  if (a.height() != b.height() || a.round() != b.round() || a.type() != b.type())
    return fail("evidence votes are for different heights, rounds or types");
  if (a.block_hash() == b.block_hash()) return fail("evidence votes are for the same block");
  if (!(pb::encode(a) < pb::encode(b))) return fail("evidence votes are not in canonical order");
  auto ia = verify_vote(ev.vote_a(), set, chain_id, cache);
  if (!ia) return fail(ia.error(), "evidence vote a: ");
  auto ib = verify_vote(ev.vote_b(), set, chain_id, cache);
  if (!ib) return fail(ib.error(), "evidence vote b: ");
  return *ia;
}

}  // namespace ghost::bft
