// Decoding and verifying untrusted consensus messages: SignedVote, SignedProposal, Commit
// and Evidence. Nothing may crash, and nothing forged may verify.
#include <cstdint>
#include <cstdlib>

#include "consensus/bft/verify.h"
#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"
#include "consensus/bft/proposer.h"
#include "proto/decode.h"

using namespace ghost;

namespace {
const bft::ValidatorSet& set() {
  static bft::ValidatorSet s = [] {
    std::vector<bft::Validator> v;
    for (int i = 0; i < 4; ++i) v.push_back({PrivateKey::from_seed("fuzz-" + std::to_string(i)).public_key(), 10, 0});
    return bft::start_schedule(*bft::ValidatorSet::make(v));
  }();
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteSpan body(data + 1, size - 1);
  SigCache cache;
  switch (data[0] % 4) {
    case 0:
      if (auto sv = pb::decode_as<pb::SignedVote>(body))
        if (bft::verify_vote(*sv, set(), "fuzz", &cache)) std::abort();  // nobody holds the keys' signatures
      break;
    case 1:
      if (auto sp = pb::decode_as<pb::SignedProposal>(body))
        for (size_t p = 0; p < set().size() + 1; ++p)
          if (bft::verify_proposal(*sp, set(), p, "fuzz", &cache)) std::abort();
      break;
    case 2:
      if (auto c = pb::decode_as<pb::Commit>(body))
        if (bft::verify_commit(*c, set(), "fuzz", &cache)) std::abort();
      break;
    default:
      if (auto e = pb::decode_as<pb::Evidence>(body))
        if (bft::verify_evidence(*e, set(), "fuzz", &cache)) std::abort();
      break;
  }
  return 0;
}
