// Pending transactions waiting for a block. Only txs that passed the stateless checks
// (ledger::TxChecker, signature included, done off the core thread) are offered; the pool
// adds the cheap stateful ones (nonce, fee balance), stays bounded by count and bytes,
// orders by fee per byte, evicts the cheapest, limits each sender, and reaps nonce-ordered
// txs for a block. After each block it drops what was included or can no longer apply,
// without verifying any signature again.
//
// Not thread-safe: the node calls it from its core thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consensus/ledger/tx_check.h"
#include "node/metrics/metrics.h"

namespace ghost::mempool {

struct Config {
  uint64_t max_txs = 50000;
  uint64_t max_bytes = 64u << 20;
  uint64_t max_per_sender = 256;  // pending txs of one sender (its nonces ahead of the account)
  // Txs waiting for their stateless checks (signatures) at once; more are shed at intake
  // (docs/protocol.md §6.5), so block checks never queue behind a flood on the work pool.
  uint64_t max_checking = 1024;
};

// What the pool needs of the committed state.
struct AccountState {
  uint64_t nonce = 0;    // the nonce the sender's next tx must carry
  uint64_t balance = 0;
};
using StateView = std::function<AccountState(const Address&)>;
// How many more jobs of a model the chain can assign now (its workers' free capacity).
using JobRoom = std::function<uint64_t(const Hash32& model)>;

enum class Verdict : uint8_t {
  kAdded,
  kDuplicate,        // already pending
  kNonceTooLow,      // below the account's nonce: already used
  kNonceTooHigh,     // more than max_per_sender ahead of the account's nonce
  kCannotPayFee,     // the balance does not cover this fee after the sender's pending fees
  kSenderLimit,      // the sender already has max_per_sender pending (until update() drops
                     // the ones a block executed, they count too)
  kFull,             // full, and this tx pays no more per byte than the cheapest pending one
  kReplaced,         // same sender and nonce as a pending tx: replaced it (fee at least 10% higher)
  kUnderpriced,      // same sender and nonce as a pending tx, but not 10% more per byte: refused
};
std::string_view verdict_name(Verdict v);

struct AddResult {
  Verdict verdict = Verdict::kAdded;
  std::string reason;                 // for people, empty when added
  // Pending txs this add dropped: the replaced one, cheaper ones evicted to make room (each
  // with its sender's higher nonces), and the sender's later txs its fee left unpaid.
  std::vector<Hash32> evicted;
  bool accepted() const { return verdict == Verdict::kAdded || verdict == Verdict::kReplaced; }
};

class Mempool {
 public:
  Mempool(Config config, metrics::Registry& metrics);
  ~Mempool();
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // `tx` passed TxChecker::check on `raw`.
  AddResult add(ledger::CheckedTx tx, Bytes raw, const StateView& state);

  // Txs for a block, at most max_bytes in total: each sender's txs in nonce order starting
  // at its account nonce with no gap, as long as its balance pays their fees; across
  // senders the highest fee per byte first (equal rates: lower tx id first). With `room`,
  // paid requests of a model stop at its room: the rest wait for workers to free up
  // instead of failing WORKERS_BUSY in the block.
  std::vector<Bytes> reap(uint64_t max_bytes, const StateView& state, const JobRoom& room = {}) const;

  // After a block: drops the included txs, txs whose nonce the account has passed, and txs
  // whose fee the balance no longer covers. Every sender is looked up once in `state` (a
  // block may carry a sender's tx this pool never saw). Returns the ids dropped (included
  // ones too).
  std::vector<Hash32> update(std::span<const Hash32> included, const StateView& state);

  // Every pending tx, each sender's in nonce order: what a newly connected peer is sent, so a
  // tx admitted while no peer was connected still reaches a proposer.
  std::vector<Bytes> pending() const;

  bool contains(const Hash32& id) const;
  std::optional<Bytes> get(const Hash32& id) const;
  uint64_t size() const;
  uint64_t bytes() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghost::mempool
