// What the mempool tests share: txs signed and checked as the pool receives them, a committed
// state the tests set by hand, and a pool with its own metrics.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <vector>

#include "node/mempool/mempool.h"
#include "tests/unit/ledger/testkit.h"

namespace ghost::mempool::kit {

using ledger::testkit::addr;
using ledger::testkit::user;

// user(u)'s address, derived once.
inline const Address& address(int u) {
  static std::map<int, Address> derived;
  auto it = derived.find(u);
  return it != derived.end() ? it->second : derived.emplace(u, addr(user(u))).first->second;
}

struct Tx {
  ledger::CheckedTx checked;
  Bytes raw;

  const Hash32& id() const { return checked.id; }
  const Address& sender() const { return checked.sender_address; }
  uint64_t nonce() const { return checked.envelope.nonce(); }
  uint64_t fee() const { return checked.envelope.fee(); }
  uint64_t size() const { return raw.size(); }
};

// user(sender)'s tx at `nonce` paying the minimum fee plus `tip`: a transfer, or with pad > 0
// an inference request carrying `pad` input bytes (a larger tx), or with `answer` an inference
// result carrying `pad` output bytes. Signed once per arguments.
inline const Tx& tx(int sender, uint64_t nonce, uint64_t tip = 0, size_t pad = 0, bool answer = false) {
  static const ledger::TxChecker checker(ledger::testkit::kChain, ledger::testkit::test_params(), nullptr);
  static std::map<std::tuple<int, uint64_t, uint64_t, size_t, bool>, Tx> signed_txs;
  auto key = std::make_tuple(sender, nonce, tip, pad, answer);
  if (auto it = signed_txs.find(key); it != signed_txs.end()) return it->second;
  pb::TxBody body;
  if (answer) {
    auto* r = body.mutable_inference_result();
    r->set_job_id(std::string(32, 'j'));
    r->set_output(std::string(pad, 'y'));
    r->mutable_proof()->set_model_id(std::string(32, 'm'));
  } else if (pad == 0) {
    body = ledger::testkit::body::transfer(address(sender + 1), 1);
  } else {
    auto* r = body.mutable_inference_request();
    r->set_model_id(std::string(32, 'm'));
    r->set_input(std::string(pad, 'x'));
    r->set_max_fee(1);
  }
  Bytes raw = ledger::encode_tx(user(sender), ledger::testkit::kChain, nonce, body, checker.params(), tip);
  auto checked = checker.check(raw);
  if (!checked) throw std::runtime_error("test tx fails its check: " + checked.error().reason);
  return signed_txs.emplace(key, Tx{std::move(*checked), std::move(raw)}).first->second;
}

// a pays less per byte than b (the pool's order, recomputed here independently).
inline bool cheaper(const Tx& a, const Tx& b) { return double(a.fee()) / a.size() < double(b.fee()) / b.size(); }

inline std::vector<Hash32> ids(std::initializer_list<const Tx*> txs) {
  std::vector<Hash32> out;
  for (const Tx* t : txs) out.push_back(t->id());
  return out;
}

// A pool over a committed state that tests edit: every user has nonce 0 and `balance`.
class Harness {
 public:
  static constexpr uint64_t kRich = 1'000'000'000;

  explicit Harness(Config config = {}, uint64_t balance = kRich) : pool(config, metrics), balance_(balance) {}

  AccountState& account(int u) { return accounts_.try_emplace(address(u), AccountState{0, balance_}).first->second; }
  StateView view() {
    return [this](const Address& a) {
      auto it = accounts_.find(a);
      return it == accounts_.end() ? AccountState{0, balance_} : it->second;
    };
  }

  AddResult add(const Tx& t) { return pool.add(t.checked, t.raw, view()); }
  std::vector<Bytes> reap(uint64_t max_bytes = UINT64_MAX, const JobRoom& room = {}) {
    return pool.reap(max_bytes, view(), room);
  }
  std::vector<Hash32> update(const std::vector<Hash32>& included = {}) { return pool.update(included, view()); }

  // The verdict of adding t, which must leave nothing evicted unless it was accepted.
  Verdict verdict(const Tx& t) {
    AddResult r = add(t);
    if (!r.accepted()) {
      EXPECT_TRUE(r.evicted.empty()) << verdict_name(r.verdict);
      EXPECT_FALSE(r.reason.empty()) << verdict_name(r.verdict);
    }
    return r.verdict;
  }

  uint64_t rejected(Verdict v) {
    return metrics.counter("ghost_mempool_rejected_total", "", {{"verdict", std::string(verdict_name(v))}}).value();
  }

  metrics::Registry metrics;
  Mempool pool;

 private:
  uint64_t balance_;
  std::map<Address, AccountState> accounts_;
};

// The ids of raw txs, in order.
inline std::vector<Hash32> ids_of(const std::vector<Bytes>& raws) {
  std::vector<Hash32> out;
  for (const Bytes& r : raws) out.push_back(ledger::tx_id(r));
  return out;
}

}  // namespace ghost::mempool::kit
