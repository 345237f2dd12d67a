// The validator's spot-checker (`ghostd start --validator` with [spot_check] folders): follows
// committed blocks, samples the accepted answers (inference results, and training results'
// forward passes) by the hash of the block after theirs (sampling.h), replays each sampled
// answer's canonical search on a bounded pool of its own threads (never the consensus or
// network threads) and, when the answer is a provable fault (fraud_check.h), submits the
// Challenge through the node's own tx path, signed by the validator key (which pays the fee
// and the bond, like the node's evidence txs), when its turn comes (duty.h: one validator per
// fault, the others as backups). Its models follow the chain's training steps
// (held_models.h), so answers pinned to newer versions are checked too.
//
// Threads: every public method runs on the node's core thread (which owns the ledger);
// training steps are applied one at a time on a strand of the pool, in block order.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
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
  // `data_dir` holds the private copies of the folders (rebuilt at every open).
  static Result<std::unique_ptr<SpotChecker>> open(const SpotCheckConfig& config, const std::filesystem::path& home,
                                                   const std::filesystem::path& data_dir, boost::asio::io_context& core,
                                                   Host host, metrics::Registry& metrics);
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
    Hash32 model;
    uint64_t version = 0;  // pinned: an inference job's, or the version a training step started from
    pb::GhostProof proof;  // an inference result's proof, a training result's forward pass
    uint64_t due = 0;      // when this validator's turn to challenge comes (duty.h)
  };
  struct Fault {
    Hash32 job;
    pb::Challenge challenge;
    uint64_t due = 0;
  };
  std::vector<Answer> answers_in(const pb::Block& block, const pb::BlockResults& results) const;
  void check(Answer answer);
  void on_checked(const Answer& answer, bool held, Result<std::optional<pb::Challenge>> verdict);
  // Moves the held models with the block's training steps and proven frauds.
  void follow(const pb::Block& block, const pb::BlockResults& results);
  // Forgets the versions no waiting or queued answer pins, below the final one.
  void prune_versions();
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
  boost::asio::strand<boost::asio::thread_pool::executor_type> serial_;
  std::vector<Answer> waiting_;  // the last block's accepted answers, sampled by the next block
  uint64_t queued_ = 0;          // checks posted to the threads, not finished
  std::multiset<std::pair<Hash32, uint64_t>> queued_versions_;  // (model, version) of those checks
  std::set<Hash32> challenges_;  // our Challenge txs not yet in a block
  std::vector<Fault> faults_;    // found, waiting for this validator's turn
  bool stopped_ = false;
  metrics::Counter& m_checks_;
  metrics::Counter& m_faults_;
  metrics::Gauge& m_queue_;
  metrics::Counter& m_steps_;
  metrics::Counter& m_rollbacks_;
};

}  // namespace ghost::spotcheck
