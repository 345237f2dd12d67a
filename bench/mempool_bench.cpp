// Suite "mempool": admitting, reaping and re-checking at a full pool's scale, against the
// stateless check every tx passes before it reaches the pool (measured in the same run).
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "base/parallel.h"
#include "bench/bench.h"
#include "consensus/ledger/params.h"
#include "consensus/ledger/tx_check.h"
#include "node/mempool/mempool.h"

namespace ghost::bench {
namespace {

using namespace ghost::ledger;

struct AddressHasher {
  size_t operator()(const Address& a) const {
    size_t v;
    std::memcpy(&v, a.bytes.data(), sizeof v);
    return v;
  }
};

struct Signed {
  CheckedTx tx;
  Bytes raw;
};

// `senders` x `per_sender` transfers with tips that spread their fee rates, in arrival order
// (round after round of each sender's next nonce).
std::vector<Signed> sign_txs(const TxChecker& checker, int senders, int per_sender) {
  std::vector<Signed> txs(size_t(senders) * per_sender);
  parallel_for_each(uint64_t(senders), 0, [&](uint64_t s) {
    const PrivateKey key = PrivateKey::from_seed("mempool-bench-" + std::to_string(s));
    for (int n = 0; n < per_sender; ++n) {
      pb::TxBody body;
      body.mutable_transfer()->set_to(std::string(20, char(s)));
      body.mutable_transfer()->set_amount(1 + n);
      const uint64_t tip = (s * 7919 + n * 104729) % 5000;
      Bytes raw = encode_tx(key, checker.chain_id(), n, body, checker.params(), tip);
      auto checked = checker.check(raw);
      if (!checked) throw std::runtime_error("bench tx: " + checked.error().reason);
      txs[size_t(n) * senders + s] = {std::move(*checked), std::move(raw)};
    }
  });
  return txs;
}

void mempool_suite(Context& ctx) {
  const int senders = ctx.quick() ? 200 : 2000, per_sender = 25, reps = ctx.quick() ? 3 : 5;
  const size_t pending = size_t(senders) * per_sender, reap_txs = pending * 2 / 5;
  const TxChecker checker("ghost-bench", default_params(), nullptr);  // no cache: every check verifies
  ctx.progress("signing " + std::to_string(pending) + " transfers");
  const std::vector<Signed> txs = sign_txs(checker, senders, per_sender);
  uint64_t reap_bytes = 0;
  for (size_t i = 0; i < reap_txs; ++i) reap_bytes += txs[i].raw.size();
  std::unordered_map<Hash32, const CheckedTx*, Hash32Hasher> by_id;
  for (const Signed& s : txs) by_id[s.tx.id] = &s.tx;

  // The committed state in a hash map: the pool's own cost is measured, not the store's.
  std::unordered_map<Address, mempool::AccountState, AddressHasher> accounts;
  const mempool::StateView state = [&](const Address& a) { return accounts.at(a); };
  const mempool::Config config{.max_txs = pending};
  metrics::Registry metrics;

  // Each rep: admit every tx (copies made before the clock starts), reap a block (median of
  // 5: reaping changes nothing), execute it on the map, and re-check the pool after it.
  const size_t sample = std::min<size_t>(pending, ctx.quick() ? 500 : 2000);
  std::vector<double> add_s, reap_s, update_s, check_s;
  size_t reaped = 0, dropped = 0;
  for (int r = 0; r < reps; ++r) {
    for (const Signed& s : txs) accounts[s.tx.sender_address] = {0, 1'000'000 * kMicroPerCredit};
    std::vector<Signed> copies = txs;
    mempool::Mempool pool(config, metrics);
    add_s.push_back(median_seconds(1, [&] {
      for (Signed& s : copies)
        if (!pool.add(std::move(s.tx), std::move(s.raw), state).accepted()) throw std::runtime_error("bench tx refused");
    }));
    std::vector<Bytes> block;
    reap_s.push_back(median_seconds(5, [&] { block = pool.reap(reap_bytes, state); }));
    std::vector<Hash32> included;
    for (const Bytes& raw : block) {
      const CheckedTx& tx = *by_id.at(tx_id(raw));
      mempool::AccountState& a = accounts.at(tx.sender_address);
      a.nonce += 1;
      a.balance -= tx.envelope.fee();
      included.push_back(tx.id);
    }
    update_s.push_back(median_seconds(1, [&] { dropped = pool.update(included, state).size(); }));
    reaped = block.size();
    // Interleaved with the pool's work, so both see the same machine load.
    check_s.push_back(median_seconds(1, [&] {
      for (size_t i = 0; i < sample; ++i)
        if (!checker.check(txs[i].raw)) throw std::runtime_error("bench tx fails its check");
    }) / sample);
  }

  const double add_per_s = pending / median(add_s);
  const std::string of = std::to_string(pending) + " transfers from " + std::to_string(senders) + " senders";
  ctx.report({"mempool.add_per_s", add_per_s, "1/s", "", of + " into an empty pool, median of " + std::to_string(reps)});
  ctx.report({"mempool.add_vs_check", add_per_s * median(check_s), "ratio", "TxChecker::check without cache",
              "txs admitted in the time of one stateless check (signature included); goal >= 10"});
  ctx.report({"mempool.reap_ms", median(reap_s) * 1e3, "ms", "",
              std::to_string(reaped) + " of " + std::to_string(pending) + " pending; goal <= 5"});
  ctx.report({"mempool.update_ms", median(update_s) * 1e3, "ms", "",
              "after that block: " + std::to_string(dropped) + " dropped, every sender looked up once"});
}

}  // namespace

GHOST_BENCH_SUITE("mempool", "admission vs the stateless check, reaping a block, re-checking after it", mempool_suite);

}  // namespace ghost::bench
