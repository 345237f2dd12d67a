// A real ledger on a temporary LevelDB directory with a small genesis, and builders for
// signed txs and blocks: what the ledger tests share.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "consensus/ledger/genesis.h"
#include "consensus/ledger/ledger.h"
#include "consensus/ledger/params.h"
#include "consensus/ledger/tx.h"
#include "crypto/keys.h"
#include "proto/decode.h"
#include "tests/temp_dir.h"

namespace ghost::ledger::testkit {

inline constexpr uint64_t GC = kMicroPerCredit;
inline const std::string kChain = "ghost-test";

inline std::string str(ByteSpan b) { return std::string(b.begin(), b.end()); }
inline std::string str(const Address& a) { return str(a.bytes); }
inline std::string str(const PublicKey& k) { return str(k.bytes); }
inline std::string str(const Hash32& h) { return str(h.bytes); }
inline Address addr(const PrivateKey& k) { return Address::of(k.public_key()); }

using ghost::test::TempDir;

inline pb::Params test_params() {
  pb::Params p = default_params();
  p.set_unbonding_blocks(5);
  p.set_challenge_blocks(3);
  p.set_job_deadline_blocks(4);
  p.set_epoch_blocks(5);
  p.set_jail_blocks(5);
  p.set_evidence_max_age_blocks(10);
  p.set_block_reward(1000);
  return p;
}

inline PrivateKey user(int i) { return PrivateKey::from_seed("user-" + std::to_string(i)); }
inline PrivateKey validator_op(int i) { return PrivateKey::from_seed("validator-" + std::to_string(i)); }
inline PrivateKey consensus_key(int i) { return PrivateKey::from_seed("consensus-" + std::to_string(i)); }

// 8 users with 1,000,000 GC each, 4 validators with 1000 * (i + 1) GC bonded and 100 GC
// in their operators' accounts.
inline pb::Genesis test_genesis() {
  pb::Genesis g;
  g.set_chain_id(kChain);
  *g.mutable_params() = test_params();
  for (int i = 0; i < 8; ++i) {
    auto* a = g.add_accounts();
    a->set_address(str(addr(user(i))));
    a->set_balance(1'000'000 * GC);
  }
  for (int i = 0; i < 4; ++i) {
    auto* v = g.add_validators();
    v->set_operator_pubkey(str(validator_op(i).public_key()));
    v->set_consensus_pubkey(str(consensus_key(i).public_key()));
    v->set_stake(1000 * GC * (i + 1));
    auto* a = g.add_accounts();
    a->set_address(str(addr(validator_op(i))));
    a->set_balance(100 * GC);
  }
  return g;
}

namespace body {
inline pb::TxBody transfer(const Address& to, uint64_t amount) {
  pb::TxBody b;
  b.mutable_transfer()->set_to(str(to));
  b.mutable_transfer()->set_amount(amount);
  return b;
}
inline pb::TxBody stake_validator(uint64_t amount, const PublicKey& consensus) {
  pb::TxBody b;
  b.mutable_stake()->set_role(pb::VALIDATOR);
  b.mutable_stake()->set_amount(amount);
  b.mutable_stake()->set_consensus_pubkey(str(consensus));
  return b;
}
inline pb::TxBody stake_worker(uint64_t amount, const std::vector<Hash32>& models, uint64_t price) {
  pb::TxBody b;
  auto* s = b.mutable_stake();
  s->set_role(pb::WORKER);
  s->set_amount(amount);
  s->set_endpoint("ws://127.0.0.1:1");
  for (const auto& m : models) s->add_models(str(m));
  s->set_price(price);
  return b;
}
inline pb::TxBody unstake(pb::StakeRole role, uint64_t amount) {
  pb::TxBody b;
  b.mutable_unstake()->set_role(role);
  b.mutable_unstake()->set_amount(amount);
  return b;
}
inline pb::TxBody unjail(pb::StakeRole role) {
  pb::TxBody b;
  b.mutable_unjail()->set_role(role);
  return b;
}
}  // namespace body

// A ledger in a temp dir; tx() signs with the next free nonce of the sender.
class Chain {
 public:
  explicit Chain(pb::Genesis genesis = test_genesis(), std::filesystem::path dir = {})
      : genesis_(std::move(genesis)),
        owned_(dir.empty() ? std::make_unique<TempDir>("ledger") : nullptr),
        dir_(owned_ ? owned_->path : dir) {
    reopen();
  }

  void reopen() {
    ledger_.reset();
    auto l = Ledger::open(dir_.string(), genesis_);
    if (!l) throw std::runtime_error(l.error().message);
    ledger_ = std::move(*l);
  }

  Ledger& ledger() { return *ledger_; }
  const pb::Genesis& genesis() const { return genesis_; }
  const std::filesystem::path& dir() const { return dir_; }

  Bytes tx(const PrivateKey& key, const pb::TxBody& b, uint64_t tip = 0) {
    Address a = addr(key);
    uint64_t nonce = ledger_->account(a).nonce() + pending_[a]++;
    return encode_tx(key, kChain, nonce, b, genesis_.params(), tip);
  }

  // The previous block hash is a function of the height, so runs are reproducible.
  static Hash32 block_hash(uint64_t height) { return sha256("block-" + std::to_string(height)); }

  BlockResult block(const std::vector<Bytes>& txs = {}) {
    pending_.clear();
    uint64_t h = ledger_->height() + 1;
    auto r = ledger_->apply_block(BlockInfo{h, block_hash(h - 1)}, txs);
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  }

  // The same, with the txs checked beforehand as a node does (the checked form of execute).
  BlockResult block_checked_first(const std::vector<Bytes>& txs) {
    pending_.clear();
    uint64_t h = ledger_->height() + 1;
    std::vector<TxResult<CheckedTx>> checked;
    for (const auto& t : txs) checked.push_back(ledger_->checker().check(t));
    auto e = ledger_->execute(BlockInfo{h, block_hash(h - 1)}, txs, checked);
    if (!e) throw std::runtime_error(e.error().message);
    if (auto w = ledger_->commit(*e); !w) throw std::runtime_error(w.error().message);
    return e->result;
  }

  // One tx in its own block; returns its receipt.
  pb::Receipt run(const PrivateKey& key, const pb::TxBody& b) { return block({tx(key, b)}).receipts.at(0); }

  uint64_t balance(const PrivateKey& k) { return ledger_->account(addr(k)).balance(); }

 private:
  pb::Genesis genesis_;
  std::unique_ptr<TempDir> owned_;  // removed after the ledger is closed
  std::filesystem::path dir_;
  std::unique_ptr<Ledger> ledger_;
  std::map<Address, uint64_t> pending_;
};

// Everything that holds credits, counted from the committed state: balances, bonded and
// unbonding stake, job escrow, the reward pool. Must equal genesis + minted - burned.
inline void expect_supply_conserved(const Ledger& l) {
  unsigned __int128 held = 0;
  for (const auto& [a, acc] : l.accounts()) held += acc.balance();
  for (auto role : {pb::VALIDATOR, pb::WORKER})
    for (const auto& s : l.stakes(role)) {
      held += s.bonded();
      for (const auto& u : s.unbonding()) held += u.amount();
    }
  for (const auto& j : l.jobs())
    if (j.status() == pb::ASSIGNED || j.status() == pb::ANSWERED) held += j.max_fee();
  pb::Supply s = l.supply();
  held += s.reward_pool();
  unsigned __int128 expected = (unsigned __int128)s.genesis() + s.minted() - s.burned();
  EXPECT_EQ((uint64_t)held, (uint64_t)expected) << "at height " << l.height();
  EXPECT_EQ((uint64_t)(held >> 64), (uint64_t)(expected >> 64));
}

}  // namespace ghost::ledger::testkit
