// The consensus driver: runs the pure BFT engine (consensus/bft/engine.h) on real clocks,
// a real WAL and signer, and the network, exactly as the engine's driver contract says
// (tests/sim/sim_node.cpp is the reference): every input is logged before the engine sees
// it, own messages are synced before they leave, a proposed block is checked (off the core
// thread) before the engine hears it is valid, decisions are applied before the next height
// starts, own messages are re-sent on a timer, and a node that is behind syncs blocks.
//
// Threads: everything runs on the core io_context; block checks run on the work pool.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <list>
#include <memory>
#include <optional>

#include "consensus/bft/engine.h"
#include "consensus/bft/wal.h"
#include "node/chain/block_sync.h"
#include "node/chain/chain.h"
#include "node/chain/peers.h"
#include "node/metrics/metrics.h"

namespace ghost::chain {

struct DriverConfig {
  bft::Timeouts timeouts;
  uint64_t resend_ms = 2000;
  uint64_t status_ms = 1000;
  uint32_t sync_batch = 16;
  uint64_t sync_timeout_ms = 5000;
  bool equivocate = false;  // TEST ONLY: also sign and send a conflicting twin of every vote
};

class Driver {
 public:
  struct Events {
    std::function<void(const Applied&)> on_commit;
    std::function<void(const pb::Evidence&)> on_evidence;  // duplicate votes seen: submit them
    std::function<void(const Error&)> on_fatal;            // the WAL or a store failed: stop the node
  };

  // `validator_key` is empty on a node that only follows the chain.
  Driver(boost::asio::io_context& core, boost::asio::thread_pool& work, Chain& chain, Peers& peers,
         bft::DurableStore& durable, std::optional<PrivateKey> validator_key, std::shared_ptr<SigCache> cache,
         DriverConfig config, Events events, metrics::Registry& metrics);
  ~Driver();

  // Opens the signer and the WAL, starts the height after the chain's and replays the WAL.
  Result<void> start();
  void stop();

  // --- on the core thread ---
  void on_message(const PublicKey& from, const pb::Envelope& env);
  void on_peer(const PublicKey& peer, uint64_t height);
  void on_peer_gone(const PublicKey& peer);

  // The height the engine is at; messages for it and the next are worth accepting. Any thread.
  uint64_t height() const { return height_.load(std::memory_order_relaxed); }

 private:
  struct Periodic {
    boost::asio::steady_timer timer;
    uint64_t ms;
    std::function<void()> fn;
  };
  void feed(const bft::Input& input, bool log);
  void carry_out(std::vector<bft::Output> outs);
  void release(const pb::Envelope& env);
  void equivocate(const pb::SignedVote& vote);
  void check_async(const bft::ValidateBlock& vb);
  void decided(const bft::Decision& d);
  void schedule(const bft::ScheduleTimeout& t);
  void on_proposal(const PublicKey& from, const pb::SignedProposal& p);
  void on_vote(const PublicKey& from, const pb::SignedVote& v);
  void on_block_request(const PublicKey& from, const pb::BlockRequest& req);
  void on_block_response(const PublicKey& from, const pb::BlockResponse& resp);
  void every(uint64_t ms, std::function<void()> fn);
  void arm(Periodic& p);
  void resend();
  void tell_status();
  void maybe_sync();
  void fatal(const Error& e);
  uint64_t now_ms() const;

  boost::asio::io_context& core_;
  boost::asio::thread_pool& work_;
  Chain& chain_;
  Peers& peers_;
  bft::DurableStore& durable_;
  std::optional<PrivateKey> key_;
  std::shared_ptr<SigCache> cache_;
  DriverConfig config_;
  Events events_;

  std::optional<bft::Signer> signer_;
  std::optional<bft::Wal> wal_;
  std::unique_ptr<bft::Engine> engine_;
  BlockSync sync_;
  std::vector<pb::Envelope> own_;  // this height's own proposal and votes, re-sent on a timer
  std::map<Hash32, PublicKey> proposal_from_;  // block hash -> the peer that sent it (to blame)
  std::list<boost::asio::steady_timer> timers_;  // engine timeouts
  std::list<Periodic> periodic_;
  std::atomic<uint64_t> height_{0};
  uint64_t last_progress_ms_ = 0;
  uint64_t last_commit_ms_ = 0;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_;  // async completions check it: the driver may be gone

  metrics::Gauge& m_height_;
  metrics::Gauge& m_round_;
  metrics::Histogram& m_interval_;
  metrics::Counter& m_txs_;
  metrics::Counter& m_blocks_synced_;
  metrics::Counter& m_invalid_blocks_;
};

}  // namespace ghost::chain
