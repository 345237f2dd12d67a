// The node's side of weight fetch: serves the leaf ranges of the folders it holds to peers
// (answers on the node's work pool, at most kServedPerPeer at a time per peer: more is a
// flood), and with `ghostd fetch-model` fetches one model's current version from peers once
// the chain state holds the model. Its own thread runs the fetch (journal writes, final build).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "node/fetch/fetch_config.h"
#include "node/fetch/fetcher.h"
#include "node/fetch/range_server.h"

namespace ghost::fetch {

struct FetchTarget {
  Hash32 model_id;
  std::filesystem::path out;
};

class FetchService {
 public:
  struct Host {
    p2p::Network* net = nullptr;
    boost::asio::io_context* core = nullptr;  // the thread that owns the ledger
    boost::asio::thread_pool* work = nullptr;
    const ledger::Ledger* ledger = nullptr;
  };
  // Serves each folder that holds a version the chain keeps (others are logged and skipped:
  // the worker says why it refuses its own). Call before the threads run.
  FetchService(Host host, FetchConfig config, const std::vector<std::filesystem::path>& serve_dirs, unsigned threads);
  ~FetchService();

  // Network thread: true when the message was a range request or response (handled here).
  bool on_message(const p2p::PeerId& from, pb::Envelope& env);
  void on_peer_gone(const p2p::PeerId& peer);
  // Fetches the target's current version into target.out; done(result) runs on the core
  // thread. The fetched folder is served from then on.
  void fetch(FetchTarget target, std::function<void(Result<void>)> done);
  void stop();

 private:
  void wait_for_model(FetchTarget target, std::function<void(Result<void>)> done, bool told);
  void send_answer(const p2p::PeerId& to, pb::Envelope env);  // after the upload cap's wait

  Host host_;
  FetchConfig config_;
  unsigned threads_;
  RangeServer server_;
  std::mutex serving_mu_;
  std::map<p2p::PeerId, uint32_t> serving_;  // requests being answered, per peer
  boost::asio::io_context io_;  // the fetch thread: the fetcher, and answers held by the upload cap
  std::chrono::steady_clock::time_point upload_free_;  // fetch thread: when the cap lets the next answer go
  std::unique_ptr<boost::asio::steady_timer> wait_timer_;  // core thread: the model not yet on chain
  std::mutex fetcher_mu_;  // fetcher_ is set on the fetch thread, read on the network thread
  std::shared_ptr<Fetcher> fetcher_;
  std::thread thread_;
};

}  // namespace ghost::fetch
