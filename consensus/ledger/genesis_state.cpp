// Height 0: the genesis balances, models and stakes written through the same records as
// every later block.
#include "consensus/ledger/genesis.h"
#include "consensus/ledger/exec.h"
#include "consensus/ledger/models.h"

namespace ghost::ledger {

TxResult<void> Exec::genesis(const pb::Genesis& g) {
  supply_.set_genesis(*genesis_supply(g));
  for (const auto& a : g.accounts())
    if (auto r = credit(*Address::from_bytes(as_bytes(a.address())), a.balance()); !r) return r;
  for (const auto& m : g.models()) add_model(*check_ghost_file(m), m);
  auto add_stake = [&](const std::string& op_pubkey, pb::StakeRole role, uint64_t amount) {
    Address op = Address::of(*PublicKey::from_bytes(as_bytes(op_pubkey)));
    std::string op_bytes(op.bytes.begin(), op.bytes.end());
    pb::StakeInfo s;
    s.set_operator_(op_bytes);
    s.set_role(role);
    s.set_bonded(amount);
    add_sorted(keys::stakers(role), op_bytes);
    return s;
  };
  for (const auto& v : g.validators()) {
    pb::StakeInfo s = add_stake(v.operator_pubkey(), pb::VALIDATOR, v.stake());
    s.set_consensus_pubkey(v.consensus_pubkey());
    st_.put(keys::consensus_key(v.consensus_pubkey()), s.operator_());
    put_stake(s);
  }
  for (const auto& w : g.workers()) {
    pb::StakeInfo s = add_stake(w.operator_pubkey(), pb::WORKER, w.stake());
    s.set_endpoint(w.endpoint());
    s.set_price(w.price());
    s.set_capacity(w.capacity());
    for (const auto& m : w.models()) {
      s.add_models(m);
      add_sorted(keys::model_workers(Hash32::from_span(as_bytes(m))), s.operator_());
    }
    put_stake(s);
  }
  // height 0 is an epoch boundary: the first validator set
  if (auto set = end_block(); !set) return std::unexpected(set.error());
  flush();
  return {};
}

}  // namespace ghost::ledger
