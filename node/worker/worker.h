// The compute worker inside ghostd (`ghostd start --worker`): serves the model folders of
// its configuration that match the chain, finds the jobs assigned to it in committed blocks,
// answers them on a bounded pool of its own threads (never the consensus or network threads),
// and submits the signed results through the node's own tx path. Every answer is logged
// before it is submitted (answer_log.h), so a kill -9 neither loses a job nor answers one twice.
//
// Threads: every public method runs on the node's core thread (which owns the ledger); forward
// passes run on the pool; training steps and applying accepted steps run one at a time on a
// strand of the pool, in the order the blocks gave them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "consensus/ledger/ledger.h"
#include "crypto/keys.h"
#include "node/metrics/metrics.h"
#include "node/worker/answer.h"
#include "node/worker/answer_log.h"
#include "node/worker/cheat.h"
#include "node/worker/config.h"
#include "node/worker/served_model.h"
#include "proto/block.pb.h"
#include "proto/store.pb.h"

namespace ghost::worker {

// What the node lends the worker (core thread).
struct Host {
  const ledger::Ledger* ledger = nullptr;
  std::string chain_id;
  // Submits a signed tx; `done(accepted, reason)` runs on the core thread. False (and `done`
  // never runs) when the node sheds it at intake.
  std::function<bool(Bytes raw, std::function<void(bool accepted, std::string reason)> done)> submit;
  // Whether a tx is still in the mempool.
  std::function<bool(const Hash32& id)> pending;
  // Sends a tx already in our mempool to the peers again (one that was admitted before any
  // peer was connected is otherwise never gossiped).
  std::function<void(const Bytes& raw)> gossip;
  // The highest height a peer reports: a job whose deadline it passed is not answered (the
  // node is catching up with blocks the chain has long settled).
  std::function<uint64_t()> peers_height;
  // A committed block (to replay the training steps a folder missed).
  std::function<std::optional<pb::Block>(uint64_t height)> block_at;
};

class Worker {
 public:
  // Opens the answer log in `data_dir` and every model folder (relative ones under `home`);
  // folders that do not match the chain are logged and refused. Fails when none is served.
  // When the state holds no stake of the worker key yet (a stake tx the node has not synced),
  // the folders are opened when a committed block brings it.
  static Result<std::unique_ptr<Worker>> open(const WorkerConfig& config, const std::filesystem::path& home,
                                              const std::filesystem::path& data_dir, PrivateKey key,
                                              boost::asio::io_context& core, Host host, metrics::Registry& metrics);
  ~Worker();

  // --- core thread ---
  // Resubmits logged answers of jobs still open and queues the open jobs without one.
  void start();
  void on_commit(const pb::Block& block, const pb::BlockResults& results, const std::vector<Hash32>& tx_ids);
  // Stops the threads (waits for the pass in progress); posted answers are dropped.
  void stop();

 private:
  Worker(const WorkerConfig& config, PrivateKey key, boost::asio::io_context& core, Host host,
         metrics::Registry& metrics);
  using Clock = std::chrono::steady_clock;
  struct Own {  // a result tx of ours not yet in a block
    Hash32 job;
    pb::JobKind kind;
    uint64_t nonce;
    bool admitted = false;  // the mempool took it (so leaving it without a block means dropped)
    int attempts = 1;
    Bytes raw;
    uint64_t gossiped_at = 0;  // height when last sent to the peers
  };

  // Opens every configured folder that matches the chain; fails when none does.
  Result<void> open_folders();
  // Applies the accepted steps a folder missed (from the blocks), at open.
  Result<void> catch_up(ServedModel& model);
  void enqueue(const pb::Job& job);
  void resume(const pb::Job& job, Bytes logged_answer);
  void on_answer(const pb::Job& job, std::expected<pb::TxBody, AnswerError> body);
  void send(const Hash32& job, pb::JobKind kind, const pb::TxBody& body, int attempts);
  void submit(Bytes raw, const Hash32& job, pb::JobKind kind, uint64_t nonce, int attempts);
  void resend(const Own& own);
  uint64_t next_nonce() const;
  bool still_mine(const Hash32& job) const;
  void count(pb::JobKind kind, const char* outcome);
  void count_failure(const char* reason);
  // Applies the block's accepted steps and proven frauds to the served folders, in order.
  void apply_changes(const BlockNews& news);
  // Forgets the kept versions no job of ours can still need: below the final version and
  // below every version our open inference jobs pin.
  void prune_versions();
  void mark_busy(const pb::Job& job);

  const WorkerConfig config_;
  const Cheat cheat_;  // TEST ONLY, none unless configured
  const PrivateKey key_;
  const Address me_;
  boost::asio::io_context& core_;
  Host host_;
  metrics::Registry& metrics_;
  std::unique_ptr<AnswerLog> log_;
  std::map<Hash32, std::unique_ptr<ServedModel>> served_;
  boost::asio::thread_pool pool_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> serial_;
  uint64_t queued_ = 0;                       // jobs posted to the threads, not yet answered
  struct Busy {  // a job being answered or with an answer in flight
    Clock::time_point since;
    Hash32 model;
    std::optional<uint64_t> pinned;  // the version an inference job is checked against
  };
  std::map<Hash32, Busy> busy_;
  std::map<Hash32, Own> own_;                 // our result txs by tx id
  metrics::Gauge& m_queue_;
  metrics::Histogram& m_latency_;
  metrics::Counter& m_steps_;
  metrics::Counter& m_rollbacks_;
  bool stopped_ = false;
  std::filesystem::path home_;      // relative model folders are under it
  bool waiting_for_stake_ = false;  // opened before the node synced the worker's stake
};

}  // namespace ghost::worker
