// Drives a WeightFetch over the network: asks connected peers for missing ranges in parallel
// (a few per peer), hands their answers to the WeightFetch, re-asks a range whose peer refused,
// left or timed out, reports a peer whose leaves do not verify (kBadWeights bans it) and never
// asks it again, logs progress (percent, MB/s) and, once every leaf is kept, builds the folder.
// Keeps its books on its own io_context (journal writes and the index build stay off the node's
// threads); answers are checked and journaled on a few threads of its own meanwhile.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "node/fetch/weight_fetch.h"
#include "node/p2p/network.h"

namespace ghost::fetch {

struct FetcherOptions {
  uint32_t per_peer = 3;         // ranges asked of one peer at a time
  uint64_t timeout_ms = 20000;   // a range unanswered this long is asked of another peer
  uint64_t progress_ms = 1000;   // between progress log lines
  unsigned threads = 0;          // for the final build of the folder, 0 = all cores
  unsigned checkers = 2;         // answers checked and journaled at once
};

// What the fetcher needs of the node; called on the fetcher's thread.
struct FetcherHost {
  std::function<std::vector<p2p::PeerId>()> peers;
  std::function<void(const p2p::PeerId&, pb::Envelope)> send;
  std::function<void(const p2p::PeerId&, p2p::Offence, std::string)> report;
};

class Fetcher : public std::enable_shared_from_this<Fetcher> {
 public:
  // done(result) runs once, on the fetcher's thread, when the folder is built or the fetch failed.
  // Made with make_shared (its checks hold it while they run).
  Fetcher(boost::asio::io_context& io, std::unique_ptr<WeightFetch> fetch, FetcherHost host, FetcherOptions options,
          std::function<void(Result<void>)> done);
  ~Fetcher();
  void start();
  // Waits for the checks under way (their results go to the io_context, which must outlive
  // this call); none start after it.
  void stop_checks() { checkers_.join(); }
  // A peer's answer; from any thread.
  void on_response(const p2p::PeerId& from, pb::LeafRangeResponse resp);
  void on_peer_gone(const p2p::PeerId& peer);

 private:
  using Clock = std::chrono::steady_clock;
  struct Asked {
    RangeAsk ask;
    p2p::PeerId peer;
    Clock::time_point deadline;
  };
  void handle(const p2p::PeerId& from, pb::LeafRangeResponse resp);
  void settled(const p2p::PeerId& from, const RangeAsk& ask, Result<p2p::Checked<WeightFetch::Kept>> kept);
  void drop_peer_asks(const p2p::PeerId& peer);
  void pump();
  void tick();
  void progress(bool last);
  void end(Result<void> r);

  boost::asio::io_context& io_;
  std::unique_ptr<WeightFetch> fetch_;
  FetcherHost host_;
  FetcherOptions options_;
  std::function<void(Result<void>)> done_;
  boost::asio::steady_timer timer_;
  boost::asio::thread_pool checkers_;
  std::map<std::pair<uint32_t, uint64_t>, Asked> asked_;  // (tensor, first)
  std::map<p2p::PeerId, uint32_t> load_;
  std::set<p2p::PeerId> shunned_;  // sent bad leaves, or refused (does not hold the version)
  // MB/s counts from the first range asked: waiting for a peer to connect is not fetching.
  Clock::time_point started_, last_progress_;
  bool asking_ = false;
  uint64_t start_bytes_ = 0, fetched_bytes_ = 0;
  bool ended_ = false;
};

}  // namespace ghost::fetch
