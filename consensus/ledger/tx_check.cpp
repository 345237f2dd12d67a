#include "consensus/ledger/tx_check.h"

#include <algorithm>
#include <cstring>

#include "proto/decode.h"

namespace ghost::ledger {
namespace {

using pb::TxCode;

TxResult<void> shape(bool ok, const std::string& reason) {
  if (ok) return {};
  return tx_fail(TxCode::TX_BAD_BODY, reason);
}

bool is_role(pb::StakeRole r) { return r == pb::VALIDATOR || r == pb::WORKER; }

}  // namespace

TxResult<void> check_body_shape(const pb::TxBody& body) {
  switch (body.kind_case()) {
    case pb::TxBody::kTransfer:
      if (auto r = shape(body.transfer().to().size() == 20, "transfer: recipient must be a 20-byte address"); !r) return r;
      return shape(body.transfer().amount() > 0, "transfer: amount must be positive");
    case pb::TxBody::kStake: {
      const auto& s = body.stake();
      if (!is_role(s.role())) return shape(false, "stake: role must be VALIDATOR or WORKER");
      if (s.amount() == 0) return shape(false, "stake: amount must be positive");
      if (s.role() == pb::VALIDATOR) {
        if (!s.consensus_pubkey().empty() && !PublicKey::from_bytes(as_bytes(s.consensus_pubkey())))
          return shape(false, "stake: consensus_pubkey is not a valid x-only public key");
        return shape(s.models().empty() && s.endpoint().empty() && s.price() == 0 && s.capacity() == 0,
                     "stake: endpoint, models, price and capacity are for workers");
      }
      if (!s.consensus_pubkey().empty()) return shape(false, "stake: consensus_pubkey is for validators");
      if (s.endpoint().size() > 256) return shape(false, "stake: endpoint longer than 256 bytes");
      if (s.models_size() > 64) return shape(false, "stake: more than 64 models");
      for (const auto& m : s.models())
        if (m.size() != 32) return shape(false, "stake: a model id is 32 bytes");
      return {};
    }
    case pb::TxBody::kUnstake:
      if (!is_role(body.unstake().role())) return shape(false, "unstake: role must be VALIDATOR or WORKER");
      return shape(body.unstake().amount() > 0, "unstake: amount must be positive");
    case pb::TxBody::kUnjail:
      return shape(is_role(body.unjail().role()), "unjail: role must be VALIDATOR or WORKER");
    case pb::TxBody::kRegisterModel:
      return shape(body.register_model().has_ghost_file(), "register_model: ghost_file missing");
    case pb::TxBody::kInferenceRequest:
      if (body.inference_request().model_id().size() != 32) return shape(false, "inference_request: model id is 32 bytes");
      return shape(body.inference_request().max_fee() > 0, "inference_request: max_fee must be positive");
    case pb::TxBody::kInferenceResult:
      if (body.inference_result().job_id().size() != 32) return shape(false, "inference_result: job id is 32 bytes");
      return shape(body.inference_result().has_proof(), "inference_result: proof missing");
    case pb::TxBody::kTrainRequest:
      if (body.train_request().model_id().size() != 32) return shape(false, "train_request: model id is 32 bytes");
      return shape(body.train_request().max_fee() > 0, "train_request: max_fee must be positive");
    case pb::TxBody::kTrainResult:
      if (body.train_result().job_id().size() != 32) return shape(false, "train_result: job id is 32 bytes");
      return shape(body.train_result().has_proof() && body.train_result().proof().has_forward(),
                   "train_result: proof missing");
    case pb::TxBody::kChallenge:
      if (body.challenge().job_id().size() != 32) return shape(false, "challenge: job id is 32 bytes");
      if (!body.challenge().has_answer()) return shape(false, "challenge: the answer's proof is missing");
      return shape(body.challenge().has_fraud(), "challenge: fraud proof missing");
    case pb::TxBody::kEvidence:
      return shape(body.evidence().has_vote_a() && body.evidence().has_vote_b() &&
                       body.evidence().vote_a().has_vote() && body.evidence().vote_b().has_vote(),
                   "evidence: two signed votes needed");
    case pb::TxBody::KIND_NOT_SET:
      break;
  }
  return shape(false, "body has no kind");
}

TxChecker::TxChecker(std::string chain_id, pb::Params params, std::shared_ptr<SigCache> cache)
    : chain_id_(std::move(chain_id)), params_(std::move(params)), cache_(std::move(cache)) {}

TxResult<CheckedTx> TxChecker::check(ByteSpan tx_bytes) const {
  if (tx_bytes.size() > params_.max_tx_bytes())
    return tx_fail(TxCode::TX_TOO_LARGE, "tx is " + std::to_string(tx_bytes.size()) + " bytes, over the limit of " +
                                             std::to_string(params_.max_tx_bytes()));
  CheckedTx tx;
  tx.size = tx_bytes.size();
  if (auto r = pb::decode(tx_bytes, tx.envelope, params_.max_tx_bytes()); !r)
    return tx_fail(TxCode::TX_MALFORMED, r.error().message);
  const pb::TxEnvelope& env = tx.envelope;
  // One envelope, one encoding: otherwise a relayer could re-encode a signed tx under a
  // new id (the signature covers the decoded fields, not the bytes).
  if (!env.GetReflection()->GetUnknownFields(env).empty()) return tx_fail(TxCode::TX_MALFORMED, "tx has unknown envelope fields");
  if (Bytes canonical = pb::encode(env); !std::ranges::equal(canonical, tx_bytes))
    return tx_fail(TxCode::TX_MALFORMED, "tx is not in its canonical encoding");
  if (env.chain_id() != chain_id_)
    return tx_fail(TxCode::TX_WRONG_CHAIN, "tx is for chain '" + env.chain_id() + "', this is '" + chain_id_ + "'");
  // The key is parsed once, by the signature check below (or was, when the id is cached).
  if (env.sender().size() != 32) return tx_fail(TxCode::TX_BAD_SENDER, "sender must be a 32-byte x-only public key");
  std::memcpy(tx.sender.bytes.data(), env.sender().data(), 32);
  tx.sender_address = Address::of(tx.sender);
  auto sig = Signature::from_bytes(as_bytes(env.signature()));
  if (!sig) return tx_fail(TxCode::TX_BAD_SIGNATURE, sig.error().message);
  uint64_t floor = min_fee(params_, tx.size);
  if (env.fee() < floor)
    return tx_fail(TxCode::TX_FEE_TOO_LOW,
                   "fee " + std::to_string(env.fee()) + " is below the floor of " + std::to_string(floor));
  if (auto r = pb::decode(as_bytes(env.body()), tx.body, params_.max_tx_bytes()); !r)
    return tx_fail(TxCode::TX_BAD_BODY, r.error().message);
  if (auto r = check_body_shape(tx.body); !r) return std::unexpected(r.error());
  tx.id = tx_id(tx_bytes);
  // Canonical with no unknown fields, the envelope ends with the signature (field 6: tag,
  // length 64, 64 bytes), so what was signed is everything before it.
  Hash32 digest = signing_hash(SignDomain::kTx, chain_id_, tx_bytes.first(tx_bytes.size() - 66));
  if (!(cache_ ? cache_->verify(tx.sender, digest, *sig) : verify_hash(tx.sender, digest, *sig))) {
    if (auto key = PublicKey::from_bytes(as_bytes(env.sender())); !key)
      return tx_fail(TxCode::TX_BAD_SENDER, "sender: " + key.error().message);
    return tx_fail(TxCode::TX_BAD_SIGNATURE, "signature does not verify for the sender's key");
  }
  return tx;
}

}  // namespace ghost::ledger
