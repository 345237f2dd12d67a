// Stake, Unstake, Unjail: bonding credits as a validator or worker (docs/protocol.md §4).
#include <set>

#include "consensus/ledger/exec.h"

namespace ghost::ledger {

using pb::TxCode;

namespace {

std::string addr_bytes(const Address& a) { return std::string(a.bytes.begin(), a.bytes.end()); }

uint64_t min_stake(const pb::Params& p, pb::StakeRole role) {
  return role == pb::VALIDATOR ? p.min_stake_validator() : p.min_stake_worker();
}

}  // namespace

TxResult<void> Exec::stake_tx(const CheckedTx& tx, const pb::Stake& s) {
  const Address& who = tx.sender_address;
  if (auto d = debit(who, s.amount(), "the stake"); !d) return d;
  auto existing = stake(s.role(), who);
  pb::StakeInfo info;
  if (existing) {
    info = *existing;
  } else {
    info.set_operator_(addr_bytes(who));
    info.set_role(s.role());
    add_sorted(keys::stakers(s.role()), addr_bytes(who));
  }
  auto bonded = add_checked(info.bonded(), s.amount());
  if (!bonded) return std::unexpected(bonded.error());
  info.set_bonded(*bonded);
  if (info.bonded() < min_stake(params_, s.role()))
    return tx_fail(TxCode::BELOW_MIN_STAKE, "bonded stake would be " + std::to_string(info.bonded()) +
                                                ", below the minimum of " + std::to_string(min_stake(params_, s.role())));

  if (s.role() == pb::VALIDATOR) {
    if (info.consensus_pubkey().empty()) {
      if (s.consensus_pubkey().empty())
        return tx_fail(TxCode::STAKE_CONFLICT, "a new validator needs a consensus_pubkey");
      if (st_.get(keys::consensus_key(s.consensus_pubkey())))
        return tx_fail(TxCode::STAKE_CONFLICT, "consensus_pubkey is already used by another validator");
      info.set_consensus_pubkey(s.consensus_pubkey());
      st_.put(keys::consensus_key(s.consensus_pubkey()), addr_bytes(who));
    } else {
      if (!s.consensus_pubkey().empty() && s.consensus_pubkey() != info.consensus_pubkey())
        return tx_fail(TxCode::STAKE_CONFLICT, "a validator's consensus_pubkey cannot change");
    }
  } else if (s.models_size() > 0) {  // a full worker profile replaces the old one
    std::set<std::string> served;
    for (const auto& m : s.models()) {
      if (!model(Hash32::from_span(as_bytes(m))))
        return tx_fail(TxCode::UNKNOWN_MODEL, "stake: a served model is not registered");
      if (!served.insert(m).second) return tx_fail(TxCode::BAD_INPUT, "stake: a model is listed twice");
    }
    for (const auto& m : info.models()) remove_item(keys::model_workers(Hash32::from_span(as_bytes(m))), addr_bytes(who));
    for (const auto& m : served) add_sorted(keys::model_workers(Hash32::from_span(as_bytes(m))), addr_bytes(who));
    info.mutable_models()->Assign(served.begin(), served.end());
    info.set_endpoint(s.endpoint());
    info.set_price(s.price());
    info.set_capacity(s.capacity());
  }
  put_stake(info);
  return {};
}

TxResult<void> Exec::unstake_tx(const CheckedTx& tx, const pb::Unstake& u) {
  auto info = stake(u.role(), tx.sender_address);
  if (!info || info->bonded() == 0) return tx_fail(TxCode::NO_STAKE, "unstake: nothing bonded in this role");
  if (u.amount() > info->bonded())
    return tx_fail(TxCode::INSUFFICIENT_FUNDS, "unstake: amount is above the bonded stake");
  uint64_t rest = info->bonded() - u.amount();
  if (rest != 0 && rest < min_stake(params_, u.role()))
    return tx_fail(TxCode::BELOW_MIN_STAKE,
                   "unstake: the rest would be below the minimum stake (unstake everything instead)");
  info->set_bonded(rest);
  auto* entry = info->add_unbonding();
  entry->set_amount(u.amount());
  entry->set_complete_height(block_.height + params_.unbonding_blocks());
  put_stake(*info);
  schedule(entry->complete_height(), keys::Due::kUnbonding, keys::stake(u.role(), tx.sender_address));
  return {};
}

TxResult<void> Exec::unjail_tx(const CheckedTx& tx, const pb::Unjail& u) {
  auto info = stake(u.role(), tx.sender_address);
  if (!info) return tx_fail(TxCode::NO_STAKE, "unjail: no stake in this role");
  if (!info->jailed()) return tx_fail(TxCode::NOT_JAILED, "unjail: not jailed");
  if (block_.height < info->unjail_height())
    return tx_fail(TxCode::STILL_JAILED, "unjail: jailed until height " + std::to_string(info->unjail_height()));
  if (info->bonded() < min_stake(params_, u.role()))
    return tx_fail(TxCode::BELOW_MIN_STAKE, "unjail: bonded stake is below the minimum; stake more first");
  info->set_jailed(false);
  put_stake(*info);
  return {};
}

TxResult<void> Exec::complete_unbonding(const std::string& stake_key) {
  auto info = load<pb::StakeInfo>(st_, stake_key);
  if (!info) return {};
  uint64_t paid = 0;
  auto* entries = info->mutable_unbonding();
  for (int i = entries->size() - 1; i >= 0; --i) {
    if (entries->Get(i).complete_height() > block_.height) continue;
    paid += entries->Get(i).amount();
    entries->DeleteSubrange(i, 1);
  }
  if (paid == 0) return {};
  put_stake(*info);
  return credit(*Address::from_bytes(as_bytes(info->operator_())), paid);
}

}  // namespace ghost::ledger
