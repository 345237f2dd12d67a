// Evidence: two conflicting votes signed by one validator's consensus key (docs/protocol.md §4-5).
// The validator is found by its key among the stakes, not in one height's set, so a
// validator that has since unbonded is still reachable while its stake is unbonding.
#include "consensus/ledger/exec.h"
#include "consensus/ledger/params.h"
#include "proto/decode.h"

namespace ghost::ledger {

using pb::TxCode;

TxResult<void> Exec::evidence(const CheckedTx&, const pb::Evidence& e) {
  const pb::Vote& a = e.vote_a().vote();
  const pb::Vote& b = e.vote_b().vote();
  if (a.type() != pb::PREVOTE && a.type() != pb::PRECOMMIT)
    return tx_fail(TxCode::BAD_EVIDENCE, "evidence: unknown vote type");
  if (a.type() != b.type() || a.height() != b.height() || a.round() != b.round())
    return tx_fail(TxCode::BAD_EVIDENCE, "evidence: votes are for different heights, rounds or types");
  if (a.validator() != b.validator()) return tx_fail(TxCode::BAD_EVIDENCE, "evidence: votes are from different validators");
  if (a.block_hash() == b.block_hash()) return tx_fail(TxCode::BAD_EVIDENCE, "evidence: votes are for the same block");
  for (const auto* h : {&a.block_hash(), &b.block_hash()})
    if (!h->empty() && h->size() != 32)
      return tx_fail(TxCode::BAD_EVIDENCE, "evidence: a block hash is 32 bytes or empty (nil)");
  if (a.height() > block_.height) return tx_fail(TxCode::BAD_EVIDENCE, "evidence: votes are from a future height");
  if (a.height() + params_.evidence_max_age_blocks() < block_.height)
    return tx_fail(TxCode::EVIDENCE_TOO_OLD, "evidence: older than evidence_max_age_blocks");

  auto key = PublicKey::from_bytes(as_bytes(a.validator()));
  if (!key) return tx_fail(TxCode::BAD_EVIDENCE, "evidence: validator key is not a valid public key");
  for (const auto* sv : {&e.vote_a(), &e.vote_b()}) {
    auto sig = Signature::from_bytes(as_bytes(sv->signature()));
    if (!sig || !verify(*key, SignDomain::kVote, chain_id_, pb::encode(sv->vote()), *sig))
      return tx_fail(TxCode::BAD_EVIDENCE, "evidence: a vote's signature does not verify");
  }
  auto op = st_.get(keys::consensus_key(a.validator()));
  if (!op) return tx_fail(TxCode::UNKNOWN_VALIDATOR, "evidence: no validator has this consensus key");

  Sha256 h;
  uint8_t pos[13];
  put_u64le(pos, a.height());
  for (int i = 0; i < 4; ++i) pos[8 + i] = uint8_t(a.round() >> (8 * i));
  pos[12] = uint8_t(a.type());
  Hash32 id = h.update(as_bytes(a.validator())).update(pos, sizeof pos).final();
  if (st_.get(keys::evidence(id)))
    return tx_fail(TxCode::DUPLICATE_EVIDENCE, "evidence: this double-sign was already punished");
  st_.put(keys::evidence(id), "");

  auto info = stake(pb::VALIDATOR, *Address::from_bytes(as_bytes(*op)));
  auto slashed = slash(*info, params_.slash_fraction_double_sign_ppm());
  if (!slashed) return std::unexpected(slashed.error());
  if (auto r = burn(*slashed); !r) return r;
  jail(*info);
  put_stake(*info);
  return {};
}

}  // namespace ghost::ledger
