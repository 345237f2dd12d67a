// Decoding and verifying untrusted consensus messages: SignedVote, SignedProposal, Commit
// and Evidence. Nothing may crash, and nothing forged may verify. Half the inputs are edits
// (fuzz_seeds.h) of validly signed messages, so the checks behind the decoder run: whatever
// still verifies after an edit must sign exactly what a validator signed.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"
#include "consensus/bft/proposer.h"
#include "consensus/bft/verify.h"
#include "proto/decode.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

namespace {

PrivateKey key(size_t i) { return PrivateKey::from_seed("fuzz-" + std::to_string(i)); }

const bft::ValidatorSet& set() {
  static bft::ValidatorSet s = [] {
    std::vector<bft::Validator> v;
    for (int i = 0; i < 4; ++i) v.push_back({key(i).public_key(), 10, 0});
    return bft::start_schedule(*bft::ValidatorSet::make(v));
  }();
  return s;
}

std::string key_str(const PublicKey& k) { return std::string(k.bytes.begin(), k.bytes.end()); }

pb::SignedVote signed_vote(size_t who, pb::VoteType type, uint32_t round, char hash) {
  pb::SignedVote sv;
  auto* v = sv.mutable_vote();
  v->set_type(type);
  v->set_height(1);
  v->set_round(round);
  v->set_block_hash(std::string(32, hash));
  v->set_validator(key_str(set().validators()[who].key));
  PrivateKey k;
  for (size_t i = 0; i < 4; ++i)
    if (key(i).public_key() == set().validators()[who].key) k = key(i);
  Signature s = k.sign(SignDomain::kVote, "fuzz", pb::encode(*v));
  sv.set_signature(s.bytes.data(), 64);
  return sv;
}

struct Seeds {
  pb::SignedVote vote = signed_vote(0, pb::PRECOMMIT, 0, 'b');
  pb::SignedProposal proposal;
  pb::Commit commit;
  pb::Evidence evidence;
  std::vector<Bytes> signed_votes;  // encode(Vote) of every vote signed above
  Bytes bytes[4];

  Seeds() {
    const size_t p = bft::proposer_for_round(set(), 0);
    auto* pr = proposal.mutable_proposal();
    pr->set_height(1), pr->set_round(0), pr->set_pol_round(-1), pr->set_block_hash(std::string(32, 'b'));
    pr->set_proposer(key_str(set().validators()[p].key));
    for (size_t i = 0; i < 4; ++i)
      if (key(i).public_key() == set().validators()[p].key)
        proposal.set_signature(key(i).sign(SignDomain::kProposal, "fuzz", pb::encode(*pr)).bytes.data(), 64);
    proposal.mutable_block()->mutable_header()->set_height(1);
    std::vector<pb::SignedVote> pcs;
    for (size_t i = 0; i < 3; ++i) pcs.push_back(signed_vote(i, pb::PRECOMMIT, 0, 'b'));
    commit = bft::make_commit(1, 0, Hash32::from_span(as_bytes(std::string(32, 'b'))), pcs);
    evidence = bft::make_evidence(signed_vote(1, pb::PREVOTE, 2, 'x'), signed_vote(1, pb::PREVOTE, 2, 'y'));
    for (const pb::SignedVote* sv : std::initializer_list<const pb::SignedVote*>{&vote, &commit.precommits(0), &commit.precommits(1), &commit.precommits(2),
                           &evidence.vote_a(), &evidence.vote_b()})
      signed_votes.push_back(pb::encode(sv->vote()));
    bytes[0] = pb::encode(vote), bytes[1] = pb::encode(proposal), bytes[2] = pb::encode(commit), bytes[3] = pb::encode(evidence);
    // The edits would start from nothing if the seeds did not verify.
    SigCache cache;
    if (!bft::verify_vote(vote, set(), "fuzz", &cache) || !bft::verify_proposal(proposal, set(), p, "fuzz", &cache) ||
        !bft::verify_commit(commit, set(), "fuzz", &cache) || !bft::verify_evidence(evidence, set(), "fuzz", &cache))
      std::abort();
  }
  bool was_signed(const pb::Vote& v) const {
    Bytes b = pb::encode(v);
    return std::find(signed_votes.begin(), signed_votes.end(), b) != signed_votes.end();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Seeds seeds;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  ++data, --size;
  const Bytes in = mode & 4 ? fuzz::edited(seeds.bytes[mode % 4], data, size) : Bytes(data, data + size);
  SigCache cache;
  switch (mode % 4) {
    case 0:
      if (auto sv = pb::decode_as<pb::SignedVote>(in))
        if (bft::verify_vote(*sv, set(), "fuzz", &cache) && !seeds.was_signed(sv->vote())) std::abort();  // forged
      break;
    case 1:
      if (auto sp = pb::decode_as<pb::SignedProposal>(in))
        for (size_t p = 0; p < set().size() + 1; ++p)
          if (bft::verify_proposal(*sp, set(), p, "fuzz", &cache) &&
              pb::encode(sp->proposal()) != pb::encode(seeds.proposal.proposal()))
            std::abort();
      break;
    case 2:
      if (auto c = pb::decode_as<pb::Commit>(in))
        if (bft::verify_commit(*c, set(), "fuzz", &cache)) {
          for (const auto& pc : c->precommits())
            if (!seeds.was_signed(pc.vote())) std::abort();
          if (c->block_hash() != seeds.commit.block_hash() || c->height() != 1 || c->round() != 0) std::abort();
        }
      break;
    default:
      if (auto e = pb::decode_as<pb::Evidence>(in))
        if (bft::verify_evidence(*e, set(), "fuzz", &cache) && !(seeds.was_signed(e->vote_a().vote()) && seeds.was_signed(e->vote_b().vote())))
          std::abort();
      break;
  }
  return 0;
}
