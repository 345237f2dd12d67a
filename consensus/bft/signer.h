// The only way a validator's consensus key signs votes and proposals. It never signs two
// different things for one (height, round, step): the last signed position, the digest of
// its sign bytes and the signature (and those signed earlier at the same height) are durably
// stored BEFORE a signature is released, a request for exactly something already signed
// returns the stored signature, and anything else at or below the last position is refused
// — also after a crash and restart.
#pragma once

#include <functional>
#include <vector>
#include <string>

#include "consensus/bft/durable_store.h"
#include "consensus/bft/types.h"

namespace ghost::bft {

struct SignState {
  uint64_t height = 0;
  uint32_t round = 0;
  Step step = Step::kPropose;
  Hash32 digest;  // signing_hash of the last signed message; zero when nothing was signed
  Signature signature;
  // Everything signed earlier at this height. One engine step can sign a prevote and a
  // precommit before either is logged; after a crash the replay asks for both again.
  struct Earlier {
    uint32_t round = 0;
    Step step = Step::kPropose;
    Hash32 digest;
    Signature signature;
  };
  std::vector<Earlier> earlier;
  bool empty() const { return digest.is_zero(); }
};

class Signer {
 public:
  // Loads the state from `file` in `store` (a fresh signer when absent). A corrupt state
  // file is an error: guessing could double-sign.
  static Result<Signer> open(PrivateKey key, std::string chain_id, DurableStore& store, std::string file);

  const PublicKey& public_key() const { return key_.public_key(); }
  // Called before anything new is signed; a failure refuses the signature. The node passes
  // its WAL sync: every input that led to a signature is then durable before the signature
  // exists, so after a crash the replay re-derives the very same message (and lock) instead
  // of the signer holding a vote the node no longer knows why it cast.
  void set_before_sign(std::function<Result<void>()> hook) { before_sign_ = std::move(hook); }
  const SignState& last() const { return last_; }

  Result<pb::SignedVote> sign_vote(const pb::Vote& vote);
  Result<pb::SignedProposal> sign_proposal(const pb::Proposal& proposal);

  static Bytes encode_state(const SignState& s);
  static Result<SignState> decode_state(ByteSpan data);

 private:
  Signer(PrivateKey key, std::string chain_id, DurableStore& store, std::string file, SignState last)
      : key_(std::move(key)), chain_id_(std::move(chain_id)), store_(&store), file_(std::move(file)), last_(last) {}
  Result<Signature> sign(SignDomain domain, uint64_t height, uint32_t round, Step step, ByteSpan message);

  PrivateKey key_;
  std::string chain_id_;
  DurableStore* store_;
  std::string file_;
  SignState last_;
  std::function<Result<void>()> before_sign_;
};

}  // namespace ghost::bft
