// The validator's spot-checker (`ghostd start --validator` with [spot_check] folders): follows
// committed blocks, samples the accepted inference answers by the hash of the block after
// theirs (sampling.h), recomputes each sampled answer's exact top-k on a bounded pool of its
// own threads (never the consensus or network threads) and, when the answer is a provable
// fault (fraud_check.h), submits the Challenge through the node's own tx path, signed by the
// validator key (which pays the fee and the bond, like the node's evidence txs), when its turn
// comes (duty.h: one validator per fault, the others as backups).
//
// Threads: every public method runs on the node's core thread (which owns the ledger).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consensus/ledger/ledger.h"
#include "node/metrics/metrics.h"
#include "node/spotcheck/config.h"
#include "node/spotcheck/held_models.h"
#include "proto/block.pb.h"
#include "proto/store.pb.h"
#include "proto/tx.pb.h"

namespace ghost::spotcheck {

// What the node lends the spot-checker (core thread).
struct Host {
  const ledger::Ledger* ledger = nullptr;
  // Signs `body` with the validator key under its next nonce and submits it; `done(id,
  // error)` runs on the core thread, with the tx id when the mempool took it.
  std::function<void(pb::TxBody body, std::function<void(std::optional<Hash32> id, std::string error)> done)> submit;
  // A committed block and its receipts (the answers of the last block before a restart still
  // wait for the next).
  std::function<std::optional<pb::Block>(uint64_t height)> block_at;
  std::function<std::optional<pb::BlockResults>(uint64_t height)> results_at;
  // The validator key's address (its rank per fault, duty.h) and the mempool's pending txs
  // (a challenge another validator already sent).
  Address self;
  std::function<std::vector<Bytes>()> pending;
};

class SpotChecker {
 public:
  static Result<std::unique_ptr<SpotChecker>> open(const SpotCheckConfig& config, const std::filesystem::path& home,
                                                   boost::asio::io_context& core, Host host, metrics::Registry& metrics);
  ~SpotChecker();

  // --- core thread ---
  // Reads the answers of the last committed block: the next block samples them.
  void start();
  void on_commit(const pb::Block& block, const Hash32& hash, const pb::BlockResults& results,
                 const std::vector<Hash32>& tx_ids);
  // Stops the threads (waits for the check in progress); queued checks are dropped.
  void stop();

 private:
  SpotChecker(const SpotCheckConfig& config, HeldModels held, boost::asio::io_context& core, Host host,
              metrics::Registry& metrics);
  struct Answer {
    Hash32 job;
    pb::GhostProof proof;
    uint64_t due = 0;  // when this validator's turn to challenge comes (duty.h)
  };
  struct Fault {
    Hash32 job;
    pb::Challenge challenge;
    uint64_t due = 0;
  };
  static std::vector<Answer> answers_in(const pb::Block& block, const pb::BlockResults& results);
  void check(Answer answer);
  void on_checked(const Hash32& job, uint64_t due, Result<std::optional<pb::Challenge>> verdict);
  void challenge_due();  // submits the faults whose turn came, drops those already closed
  void submit(Fault fault);
  void count_outcomes(const pb::Block& block, const pb::BlockResults& results, const std::vector<Hash32>& tx_ids);
  void skip(const char* reason);

  const SpotCheckConfig config_;
  HeldModels held_;
  boost::asio::io_context& core_;
  Host host_;
  metrics::Registry& metrics_;
  boost::asio::thread_pool pool_;
  std::vector<Answer> waiting_;  // the last block's accepted answers, sampled by the next block
  uint64_t queued_ = 0;          // checks posted to the threads, not finished
  std::set<Hash32> challenges_;  // our Challenge txs not yet in a block
  std::vector<Fault> faults_;    // found, waiting for this validator's turn
  bool stopped_ = false;
  metrics::Counter& m_checks_;
  metrics::Counter& m_faults_;
  metrics::Gauge& m_queue_;
};

}  // namespace ghost::spotcheck
