#include "consensus/ledger/exec.h"

#include <algorithm>

#include "consensus/ledger/params.h"

namespace ghost::ledger {

using pb::TxCode;

uint64_t add_checked(uint64_t a, uint64_t b) {
  uint64_t s;
  if (__builtin_add_overflow(a, b, &s)) reject(TxCode::OVERFLOW, "amount overflows u64");
  return s;
}

Exec::Exec(BlockState& st, const pb::Params& params, const std::string& chain_id, const BlockInfo& block)
    : st_(st), params_(params), chain_id_(chain_id), block_(block) {
  supply_ = load<pb::Supply>(st_, keys::supply()).value_or(pb::Supply{});
}

void Exec::flush() { st_.put(keys::supply(), dump(supply_)); }

// --- records ---

pb::Account Exec::account(const Address& a) const {
  return load<pb::Account>(st_, keys::account(a)).value_or(pb::Account{});
}
void Exec::put_account(const Address& a, const pb::Account& acc) { st_.put(keys::account(a), dump(acc)); }

std::optional<pb::StakeInfo> Exec::stake(pb::StakeRole role, const Address& a) const {
  return load<pb::StakeInfo>(st_, keys::stake(role, a));
}
void Exec::put_stake(const pb::StakeInfo& s) {
  st_.put(keys::stake(s.role(), *Address::from_bytes(as_bytes(s.operator_()))), dump(s));
}

std::optional<pb::ModelInfo> Exec::model(const Hash32& id) const { return load<pb::ModelInfo>(st_, keys::model(id)); }

pb::ModelVersion Exec::model_version(const Hash32& id, uint64_t version) const {
  auto v = load<pb::ModelVersion>(st_, keys::model_version(id, version));
  if (!v) throw std::logic_error("model version " + std::to_string(version) + " of " + id.hex() + " is gone");
  return *v;
}

std::optional<pb::Job> Exec::job(const Hash32& id) const { return load<pb::Job>(st_, keys::job(id)); }
void Exec::put_job(const pb::Job& j) { st_.put(keys::job(Hash32::from_span(as_bytes(j.job_id()))), dump(j)); }

pb::KeyList Exec::key_list(const std::string& key) const { return load<pb::KeyList>(st_, key).value_or(pb::KeyList{}); }
void Exec::put_key_list(const std::string& key, const pb::KeyList& l) {
  if (l.items().empty()) st_.erase(key);
  else st_.put(key, dump(l));
}

void Exec::add_sorted(const std::string& list_key, const std::string& item) {
  pb::KeyList l = key_list(list_key);
  auto* items = l.mutable_items();
  auto pos = std::lower_bound(items->begin(), items->end(), item) - items->begin();
  if (pos < items->size() && items->Get(pos) == item) return;
  items->Add(std::string(item));
  std::rotate(items->begin() + pos, items->end() - 1, items->end());  // the new last element into place
  put_key_list(list_key, l);
}

void Exec::remove_item(const std::string& list_key, const std::string& item) {
  pb::KeyList l = key_list(list_key);
  auto* items = l.mutable_items();
  auto it = std::find(items->begin(), items->end(), item);
  if (it == items->end()) return;
  items->erase(it);
  put_key_list(list_key, l);
}

void Exec::schedule(uint64_t height, keys::Due kind, const std::string& item) {
  std::string key = keys::schedule(height, kind);
  pb::KeyList l = key_list(key);
  l.add_items(item);
  put_key_list(key, l);
}

// --- money ---

void Exec::credit(const Address& a, uint64_t amount) {
  pb::Account acc = account(a);
  acc.set_balance(add_checked(acc.balance(), amount));
  put_account(a, acc);
}

void Exec::debit(const Address& a, uint64_t amount, const char* what) {
  pb::Account acc = account(a);
  if (acc.balance() < amount)
    reject(TxCode::INSUFFICIENT_FUNDS, std::string("balance ") + std::to_string(acc.balance()) + " cannot cover " +
                                           what + " of " + std::to_string(amount));
  acc.set_balance(acc.balance() - amount);
  put_account(a, acc);
}

void Exec::burn(uint64_t amount) { supply_.set_burned(add_checked(supply_.burned(), amount)); }
void Exec::to_reward_pool(uint64_t amount) { supply_.set_reward_pool(add_checked(supply_.reward_pool(), amount)); }

// --- model versions ---

void Exec::pin(const Hash32& model_id, uint64_t version) {
  pb::ModelVersion v = model_version(model_id, version);
  v.set_pins(v.pins() + 1);
  st_.put(keys::model_version(model_id, version), dump(v));
}

void Exec::unpin(const Hash32& model_id, uint64_t version) {
  pb::ModelVersion v = model_version(model_id, version);
  v.set_pins(v.pins() - 1);
  auto m = model(model_id);
  if (v.pins() == 0 && m && m->version() != version) st_.erase(keys::model_version(model_id, version));
  else st_.put(keys::model_version(model_id, version), dump(v));
}

// --- staking ---

uint64_t Exec::slash(pb::StakeInfo& s, uint32_t ppm) {
  uint64_t cut = apply_ppm(s.bonded(), ppm);
  s.set_bonded(s.bonded() - cut);
  uint64_t total = cut;
  for (auto& u : *s.mutable_unbonding()) {
    uint64_t c = apply_ppm(u.amount(), ppm);
    u.set_amount(u.amount() - c);
    total += c;  // cannot overflow: the parts of one stake sum to at most the supply
  }
  s.set_slashed(add_checked(s.slashed(), total));
  return total;
}

void Exec::jail(pb::StakeInfo& s) {
  s.set_jailed(true);
  s.set_unjail_height(block_.height + params_.jail_blocks());
  if (s.role() == pb::VALIDATOR) validators_jailed_ = true;
}

// --- txs ---

pb::Receipt Exec::apply(const CheckedTx& tx, uint32_t index) {
  pb::Receipt r;
  r.set_tx_id(tx.id.data(), 32);
  r.set_height(block_.height);
  r.set_index(index);
  const pb::TxEnvelope& env = tx.envelope;
  pb::Account acc = account(tx.sender_address);
  if (env.nonce() != acc.nonce()) {
    r.set_status(TxCode::TX_BAD_NONCE);
    r.set_reason("nonce " + std::to_string(env.nonce()) + ", expected " + std::to_string(acc.nonce()));
    return r;
  }
  if (acc.balance() < env.fee()) {
    r.set_status(TxCode::TX_CANNOT_PAY_FEE);
    r.set_reason("balance " + std::to_string(acc.balance()) + " cannot pay the fee of " + std::to_string(env.fee()));
    return r;
  }
  acc.set_balance(acc.balance() - env.fee());
  acc.set_nonce(acc.nonce() + 1);
  put_account(tx.sender_address, acc);
  to_reward_pool(env.fee());  // cannot overflow: the pool is part of the supply
  r.set_fee_paid(env.fee());

  st_.mark();
  pb::Supply before = supply_;
  bool saved_jailed = validators_jailed_;
  std::string reason;
  if (auto code = run_body(tx, reason)) {
    r.set_status(*code);
    r.set_reason(reason);
  }
  if (r.status() != TxCode::OK && r.status() != TxCode::CHALLENGE_REJECTED) {
    st_.undo();
    supply_ = before;
    validators_jailed_ = saved_jailed;
  }
  return r;
}

std::optional<pb::TxCode> Exec::run_body(const CheckedTx& tx, std::string& reason) {
  const pb::TxBody& b = tx.body;
  try {
    switch (b.kind_case()) {
      case pb::TxBody::kTransfer: transfer(tx, b.transfer()); break;
      case pb::TxBody::kStake: stake_tx(tx, b.stake()); break;
      case pb::TxBody::kUnstake: unstake_tx(tx, b.unstake()); break;
      case pb::TxBody::kUnjail: unjail_tx(tx, b.unjail()); break;
      case pb::TxBody::kRegisterModel: register_model(tx, b.register_model()); break;
      case pb::TxBody::kInferenceRequest: inference_request(tx, b.inference_request()); break;
      case pb::TxBody::kInferenceResult: inference_result(tx, b.inference_result()); break;
      case pb::TxBody::kTrainRequest: train_request(tx, b.train_request()); break;
      case pb::TxBody::kTrainResult: train_result(tx, b.train_result()); break;
      case pb::TxBody::kChallenge:
        if (auto f = challenge(tx, b.challenge())) {
          reason = f->reason;
          return f->code;
        }
        break;
      case pb::TxBody::kEvidence: evidence(tx, b.evidence()); break;
      case pb::TxBody::KIND_NOT_SET: reject(TxCode::TX_BAD_BODY, "body has no kind");
    }
  } catch (const TxFailure& f) {
    reason = f.reason;
    return f.code;
  }
  return std::nullopt;
}

}  // namespace ghost::ledger
