#include "consensus/ledger/exec.h"

#include <algorithm>
#include <stdexcept>

#include "consensus/ledger/params.h"

namespace ghost::ledger {

using pb::TxCode;

TxResult<uint64_t> add_checked(uint64_t a, uint64_t b) {
  uint64_t s;
  if (__builtin_add_overflow(a, b, &s)) return tx_fail(TxCode::OVERFLOW, "amount overflows u64");
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

TxResult<void> Exec::credit(const Address& a, uint64_t amount) {
  pb::Account acc = account(a);
  auto balance = add_checked(acc.balance(), amount);
  if (!balance) return std::unexpected(balance.error());
  acc.set_balance(*balance);
  put_account(a, acc);
  return {};
}

TxResult<void> Exec::debit(const Address& a, uint64_t amount, const char* what) {
  pb::Account acc = account(a);
  if (acc.balance() < amount)
    return tx_fail(TxCode::INSUFFICIENT_FUNDS, std::string("balance ") + std::to_string(acc.balance()) +
                                                   " cannot cover " + what + " of " + std::to_string(amount));
  acc.set_balance(acc.balance() - amount);
  put_account(a, acc);
  return {};
}

TxResult<void> Exec::burn(uint64_t amount) {
  auto burned = add_checked(supply_.burned(), amount);
  if (!burned) return std::unexpected(burned.error());
  supply_.set_burned(*burned);
  return {};
}
TxResult<void> Exec::to_reward_pool(uint64_t amount) {
  auto pool = add_checked(supply_.reward_pool(), amount);
  if (!pool) return std::unexpected(pool.error());
  supply_.set_reward_pool(*pool);
  return {};
}

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
  if (v.pins() == 0 && m && m->version() != version && m->final_version() != version)
    st_.erase(keys::model_version(model_id, version));
  else st_.put(keys::model_version(model_id, version), dump(v));
}

// --- staking ---

TxResult<uint64_t> Exec::slash(pb::StakeInfo& s, uint32_t ppm) {
  uint64_t cut = apply_ppm(s.bonded(), ppm);
  s.set_bonded(s.bonded() - cut);
  uint64_t total = cut;
  for (auto& u : *s.mutable_unbonding()) {
    uint64_t c = apply_ppm(u.amount(), ppm);
    u.set_amount(u.amount() - c);
    total += c;  // cannot overflow: the parts of one stake sum to at most the supply
  }
  auto slashed = add_checked(s.slashed(), total);
  if (!slashed) return std::unexpected(slashed.error());
  s.set_slashed(*slashed);
  return total;
}

TxResult<uint64_t> Exec::slash_amount(pb::StakeInfo& s, uint64_t amount) {
  uint64_t total = std::min(amount, s.bonded());
  s.set_bonded(s.bonded() - total);
  for (auto& u : *s.mutable_unbonding()) {
    const uint64_t c = std::min(amount - total, u.amount());
    u.set_amount(u.amount() - c);
    total += c;
  }
  auto slashed = add_checked(s.slashed(), total);
  if (!slashed) return std::unexpected(slashed.error());
  s.set_slashed(*slashed);
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
  // Cannot overflow: the pool is part of the supply, so a failure here is a broken invariant.
  if (auto pool = to_reward_pool(env.fee()); !pool)
    throw std::logic_error("the reward pool overflows u64: the supply invariant is broken");
  r.set_fee_paid(env.fee());

  st_.mark();
  pb::Supply before = supply_;
  bool saved_jailed = validators_jailed_;
  if (auto body = run_body(tx); !body) {
    r.set_status(body.error().code);
    r.set_reason(std::move(body.error().reason));
  }
  // Every failed body's writes are discarded, except a rejected challenge's (its bond stays burned).
  if (r.status() != TxCode::OK && r.status() != TxCode::CHALLENGE_REJECTED) {
    st_.undo();
    supply_ = before;
    validators_jailed_ = saved_jailed;
  }
  return r;
}

TxResult<void> Exec::run_body(const CheckedTx& tx) {
  const pb::TxBody& b = tx.body;
  switch (b.kind_case()) {
    case pb::TxBody::kTransfer: return transfer(tx, b.transfer());
    case pb::TxBody::kStake: return stake_tx(tx, b.stake());
    case pb::TxBody::kUnstake: return unstake_tx(tx, b.unstake());
    case pb::TxBody::kUnjail: return unjail_tx(tx, b.unjail());
    case pb::TxBody::kRegisterModel: return register_model(tx, b.register_model());
    case pb::TxBody::kInferenceRequest: return inference_request(tx, b.inference_request());
    case pb::TxBody::kInferenceResult: return inference_result(tx, b.inference_result());
    case pb::TxBody::kTrainRequest: return train_request(tx, b.train_request());
    case pb::TxBody::kTrainResult: return train_result(tx, b.train_result());
    case pb::TxBody::kChallenge: {
      auto c = challenge(tx, b.challenge());
      if (!c) return std::unexpected(c.error());
      if (*c) return std::unexpected(std::move(**c));  // CHALLENGE_REJECTED: apply() keeps its effects
      return {};
    }
    case pb::TxBody::kEvidence: return evidence(tx, b.evidence());
    case pb::TxBody::KIND_NOT_SET: return tx_fail(TxCode::TX_BAD_BODY, "body has no kind");
  }
  return {};
}

}  // namespace ghost::ledger
