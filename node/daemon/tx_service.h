// Transactions coming in (from RPC clients and from peers): the stateless checks on the work
// pool, then the mempool on the core thread, then gossip to the other peers. Also keeps the
// clients that wait for their tx to be committed, and signs this node's own txs (evidence of
// double signing, spot-checkers' challenges) with its validator key.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/chain/chain.h"
#include "node/metrics/metrics.h"
#include "node/p2p/network.h"

namespace ghost::daemon {

struct Submitted {
  Hash32 id;
  std::optional<ledger::TxError> rejected;  // failed the stateless checks
  std::optional<mempool::AddResult> pool;   // the mempool's verdict, when it got that far
  bool ok() const { return !rejected && pool && pool->accepted(); }
};

class TxService {
 public:
  TxService(boost::asio::io_context& core, boost::asio::thread_pool& work, chain::Chain& chain,
            mempool::Mempool& mempool, p2p::Network& net, std::optional<PrivateKey> own_key,
            metrics::Registry& metrics, uint64_t max_checking);

  // Any thread. `done` runs on the core thread. False, and `done` is never called, when
  // `max_checking` txs already wait for their stateless checks: the tx is shed there (the
  // work pool also checks blocks, which must not queue behind a flood of txs).
  bool submit(Bytes raw, std::optional<p2p::PeerId> from, std::function<void(Submitted)> done = {});

  // --- core thread ---
  // Calls `done` with the receipt when a block includes the tx, or with nullopt when
  // `timeout_ms` passes first.
  void wait_for_commit(const Hash32& id, uint64_t timeout_ms,
                       std::function<void(std::optional<std::pair<pb::Receipt, uint64_t>>)> done);
  void on_commit(const chain::Applied& applied);
  // Sends a newly connected peer every pending tx (gossip reaches only the peers connected
  // at admission; without this a tx taken while alone would wait forever, and so would every
  // later nonce of its sender).
  void share_pending(const p2p::PeerId& peer);
  // Submits evidence of double signing as this node's own Evidence tx (needs the validator
  // key and a balance for the fee at its address).
  void submit_evidence(const pb::Evidence& evidence);
  // Signs `body` with the validator key under its next nonce (after this node's own txs still
  // in the mempool) and submits it, never shed. False, and `done` never called, without a
  // validator key.
  bool submit_own(const pb::TxBody& body, std::function<void(Submitted)> done);

 private:
  void check(Bytes raw, std::optional<p2p::PeerId> from, std::function<void(Submitted)> done);
  void admit(ledger::CheckedTx checked, Bytes raw, std::optional<p2p::PeerId> from,
             std::function<void(Submitted)> done);
  void drop_settled_own();  // forgets own txs neither in the mempool nor in their checks
  struct Waiter {
    uint64_t serial;
    std::function<void(std::optional<std::pair<pb::Receipt, uint64_t>>)> done;
  };

  boost::asio::io_context& core_;
  boost::asio::thread_pool& work_;
  chain::Chain& chain_;
  mempool::Mempool& mempool_;
  p2p::Network& net_;
  std::optional<PrivateKey> own_key_;
  std::multimap<Hash32, Waiter> waiters_;
  uint64_t next_serial_ = 0;
  std::vector<Hash32> own_pending_;       // own txs not yet committed, for the next nonce
  std::set<Hash32> own_checking_;         // own txs in their stateless checks (not in the mempool yet)
  std::set<std::string> evidence_sent_;   // evidence already submitted, by encoding
  metrics::Registry& metrics_;
  metrics::Counter& m_received_;
  const uint64_t max_checking_;
  std::atomic<uint64_t> checking_{0};
};

}  // namespace ghost::daemon
