// Evidence: two conflicting votes signed by one validator's consensus key (DESIGN.md §4-5).
// The validator is found by its key among the stakes, not in one height's set, so a
// validator that has since unbonded is still reachable while its stake is unbonding.
#include "consensus/ledger/exec.h"
#include "consensus/ledger/params.h"
#include "proto/decode.h"

namespace ghost::ledger {

using pb::TxCode;

void Exec::evidence(const CheckedTx&, const pb::Evidence& e) {
  const pb::Vote& a = e.vote_a().vote();
  const pb::Vote& b = e.vote_b().vote();
  require(a.type() == pb::PREVOTE || a.type() == pb::PRECOMMIT, TxCode::BAD_EVIDENCE, "evidence: unknown vote type");
  require(a.type() == b.type() && a.height() == b.height() && a.round() == b.round(), TxCode::BAD_EVIDENCE,
          "evidence: votes are for different heights, rounds or types");
  require(a.validator() == b.validator(), TxCode::BAD_EVIDENCE, "evidence: votes are from different validators");
  require(a.block_hash() != b.block_hash(), TxCode::BAD_EVIDENCE, "evidence: votes are for the same block");
  for (const auto* h : {&a.block_hash(), &b.block_hash()})
    require(h->empty() || h->size() == 32, TxCode::BAD_EVIDENCE, "evidence: a block hash is 32 bytes or empty (nil)");
  require(a.height() <= block_.height, TxCode::BAD_EVIDENCE, "evidence: votes are from a future height");
  require(a.height() + params_.evidence_max_age_blocks() >= block_.height, TxCode::EVIDENCE_TOO_OLD,
          "evidence: older than evidence_max_age_blocks");

  auto key = PublicKey::from_bytes(as_bytes(a.validator()));
  require(key.has_value(), TxCode::BAD_EVIDENCE, "evidence: validator key is not a valid public key");
  for (const auto* sv : {&e.vote_a(), &e.vote_b()}) {
    auto sig = Signature::from_bytes(as_bytes(sv->signature()));
    require(sig && verify(*key, SignDomain::kVote, chain_id_, pb::encode(sv->vote()), *sig), TxCode::BAD_EVIDENCE,
            "evidence: a vote's signature does not verify");
  }
  auto op = st_.get(keys::consensus_key(a.validator()));
  require(op.has_value(), TxCode::UNKNOWN_VALIDATOR, "evidence: no validator has this consensus key");

  Sha256 h;
  uint8_t pos[13];
  put_u64le(pos, a.height());
  for (int i = 0; i < 4; ++i) pos[8 + i] = uint8_t(a.round() >> (8 * i));
  pos[12] = uint8_t(a.type());
  Hash32 id = h.update(as_bytes(a.validator())).update(pos, sizeof pos).final();
  require(!st_.get(keys::evidence(id)), TxCode::DUPLICATE_EVIDENCE, "evidence: this double-sign was already punished");
  st_.put(keys::evidence(id), "");

  auto info = stake(pb::VALIDATOR, *Address::from_bytes(as_bytes(*op)));
  burn(slash(*info, params_.slash_fraction_double_sign_ppm()));
  jail(*info);
  put_stake(*info);
}

}  // namespace ghost::ledger
