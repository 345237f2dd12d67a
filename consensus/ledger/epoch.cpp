// End of block: due settlements, deadlines and unbonding completions, the block reward,
// and at epoch boundaries the reward payout and the next validator set (docs/protocol.md §5).
#include <algorithm>

#include "consensus/ledger/exec.h"

namespace ghost::ledger {

TxResult<std::optional<pb::ValidatorSet>> Exec::end_block() {
  const uint64_t h = block_.height;
  for (keys::Due kind : {keys::Due::kSettlement, keys::Due::kDeadline, keys::Due::kUnbonding}) {
    std::string key = keys::schedule(h, kind);
    const pb::KeyList due = key_list(key);
    for (const auto& item : due.items()) {
      TxResult<void> done = kind == keys::Due::kUnbonding    ? complete_unbonding(item)
                            : kind == keys::Due::kSettlement ? settle(Hash32::from_span(as_bytes(item)))
                                                             : expire(Hash32::from_span(as_bytes(item)));
      if (!done) return std::unexpected(done.error());
    }
    st_.erase(key);
  }

  if (h > 0) {  // minting stops rather than wraps
    uint64_t minted, pool;
    if (!__builtin_add_overflow(supply_.minted(), params_.block_reward(), &minted) &&
        !__builtin_add_overflow(supply_.reward_pool(), params_.block_reward(), &pool)) {
      supply_.set_minted(minted);
      supply_.set_reward_pool(pool);
    }
  }

  bool epoch = h % params_.epoch_blocks() == 0;
  if (epoch)
    if (auto paid = distribute_rewards(); !paid) return std::unexpected(paid.error());
  if (!epoch && !validators_jailed_) return std::nullopt;
  validators_jailed_ = false;
  pb::ValidatorSet next = compute_validator_set();
  pb::ValidatorSet current = load<pb::ValidatorSet>(st_, keys::validator_set()).value_or(pb::ValidatorSet{});
  if (dump(next) == dump(current)) return std::nullopt;
  st_.put(keys::validator_set(), dump(next));
  return next;
}

TxResult<void> Exec::distribute_rewards() {
  pb::ValidatorSet set = load<pb::ValidatorSet>(st_, keys::validator_set()).value_or(pb::ValidatorSet{});
  unsigned __int128 total = 0;
  for (const auto& v : set.validators()) total += v.power();
  if (total == 0 || supply_.reward_pool() == 0) return {};
  const uint64_t pool = supply_.reward_pool();
  uint64_t paid = 0;
  for (const auto& v : set.validators()) {
    uint64_t share = static_cast<uint64_t>(static_cast<unsigned __int128>(pool) * v.power() / total);
    if (share == 0) continue;
    if (auto r = credit(*Address::from_bytes(as_bytes(v.operator_())), share); !r) return r;
    paid += share;
  }
  supply_.set_reward_pool(pool - paid);  // the rounding remainder waits for the next epoch
  return {};
}

pb::ValidatorSet Exec::compute_validator_set() const {
  std::vector<pb::ValidatorPower> candidates;
  const pb::KeyList stakers = key_list(keys::stakers(pb::VALIDATOR));
  for (const auto& op : stakers.items()) {
    auto info = stake(pb::VALIDATOR, *Address::from_bytes(as_bytes(op)));
    if (!info || info->jailed() || info->bonded() < params_.min_stake_validator()) continue;
    pb::ValidatorPower v;
    v.set_consensus_pubkey(info->consensus_pubkey());
    v.set_power(info->bonded());
    v.set_operator_(op);
    candidates.push_back(std::move(v));
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    if (a.power() != b.power()) return a.power() > b.power();
    return a.consensus_pubkey() < b.consensus_pubkey();
  });
  if (candidates.size() > params_.max_validators()) candidates.resize(params_.max_validators());
  pb::ValidatorSet set;
  for (auto& v : candidates) *set.add_validators() = std::move(v);
  return set;
}

}  // namespace ghost::ledger
