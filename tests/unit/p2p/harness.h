// Networks on 127.0.0.1 for tests: each TestNode runs one Network on its own io_context
// thread and records what its handler hears. Every wait is a poll with a deadline.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "node/log/log.h"
#include "node/p2p/network.h"
#include "temp_dir.h"

namespace ghost::p2p::test {

using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passes; the result says which.
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// For a condition that must stay false: holds when `happened` never holds during `window`.
template <class F>
bool never(F happened, std::chrono::milliseconds window) {
  return !eventually(happened, window);
}

// A port that was free a moment ago (for nodes that must know each other's port up front).
inline uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

inline Config test_config() {
  Config c;
  c.listen = "127.0.0.1:0";
  c.handshake_timeout_ms = 3000;
  c.reconnect_min_ms = 20;
  c.reconnect_max_ms = 200;
  c.max_frame_bytes = 1 << 20;
  return c;
}

inline pb::Envelope status(uint64_t height) {
  pb::Envelope env;
  env.mutable_status()->set_height(height);
  return env;
}

inline pb::Envelope tx(uint64_t nonce) {
  pb::Envelope env;
  env.mutable_tx()->set_nonce(nonce);
  return env;
}

struct NodeOptions {
  Config config = test_config();
  PrivateKey key = PrivateKey::generate();
  std::string chain_id = "test-chain";
  Hash32 genesis = sha256(std::string_view("test-genesis"));
  uint64_t height = 0;
};

class TestNode {
 public:
  using Options = NodeOptions;
  struct Message {
    PeerId from;
    pb::Envelope env;
  };

  explicit TestNode(Options o = {}) : key_(o.key) {
    Network::Handler h{.on_message =
                           [this](const PeerId& from, const pb::Envelope& env) {
                             std::lock_guard lock(mu_);
                             messages_.push_back({from, env});
                             return accept_;
                           },
                       .on_connect =
                           [this](const PeerInfo& p) {
                             std::lock_guard lock(mu_);
                             connects_.push_back(p);
                           },
                       .on_disconnect =
                           [this](const PeerId& p) {
                             std::lock_guard lock(mu_);
                             disconnects_.push_back(p);
                           }};
    net_.emplace(io_, o.config, o.key, o.chain_id, o.genesis, h, registry_);
    net_->set_height(o.height);
    auto started = net_->start();
    EXPECT_TRUE(started) << started.error().message;
    thread_ = std::thread([this] { io_.run(); });
  }

  ~TestNode() { shut_down(); }

  // Stops the network and lets the io thread finish what is in flight.
  void shut_down() {
    if (!thread_.joinable()) return;
    net_->stop();
    guard_.reset();
    if (!eventually([&] { return io_.stopped(); }, 5s)) io_.stop();
    thread_.join();
  }

  Network& net() { return *net_; }
  const PeerId& id() const { return key_.public_key(); }
  const PrivateKey& key() const { return key_; }
  uint16_t port() { return net_->listen_port(); }
  std::string address() { return "127.0.0.1:" + std::to_string(port()); }

  void accept(bool yes) {
    std::lock_guard lock(mu_);
    accept_ = yes;
  }
  std::vector<Message> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<PeerInfo> connects() const {
    std::lock_guard lock(mu_);
    return connects_;
  }
  std::vector<PeerId> disconnects() const {
    std::lock_guard lock(mu_);
    return disconnects_;
  }
  size_t count_messages(const std::function<bool(const Message&)>& match) const {
    std::lock_guard lock(mu_);
    return std::ranges::count_if(messages_, match);
  }
  bool connected_to(const PeerId& peer) const {
    return std::ranges::any_of(net_->peers(), [&](const PeerInfo& p) { return p.id == peer; });
  }
  uint64_t counter(const std::string& name, const metrics::Labels& labels = {}) {
    return registry_.counter(name, "", labels).value();
  }
  double gauge(const std::string& name) { return registry_.gauge(name, "").value(); }
  uint64_t offences(std::string_view offence) {
    return counter("ghost_p2p_offences_total", {{"offence", std::string(offence)}});
  }

 private:
  PrivateKey key_;
  metrics::Registry registry_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ = boost::asio::make_work_guard(io_);
  std::optional<Network> net_;
  std::thread thread_;
  mutable std::mutex mu_;
  bool accept_ = true;
  std::vector<Message> messages_;
  std::vector<PeerInfo> connects_;
  std::vector<PeerId> disconnects_;
};

// Options for a node that dials `peers` ("host:port" or "KEY@host:port").
inline TestNode::Options dialling(std::vector<std::string> peers, TestNode::Options o = {}) {
  o.config.persistent_peers = std::move(peers);
  return o;
}

// Waits until a and b are connected both ways and each has had the connect event (it reaches
// the test from the network's thread after peers() shows the peer).
inline bool linked(TestNode& a, TestNode& b, std::chrono::milliseconds timeout = 5s) {
  auto heard = [](const TestNode& n, const PeerId& peer) {
    return std::ranges::any_of(n.connects(), [&](const PeerInfo& p) { return p.id == peer; });
  };
  return eventually([&] {
    return a.connected_to(b.id()) && b.connected_to(a.id()) && heard(a, b.id()) && heard(b, a.id());
  }, timeout);
}

// Sends this process's log lines to a file while it lives, so a test can look for a line.
class LogCapture {
 public:
  LogCapture() { log::setup(log::Format::kText, log::Level::kDebug, (dir_.path / "log").string()); }
  ~LogCapture() { log::setup(log::Format::kText, log::Level::kInfo); }
  std::string text() const {
    std::ifstream in(dir_.path / "log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool eventually_contains(std::string_view needle, std::chrono::milliseconds timeout = 5s) const {
    return eventually([&] { return text().find(needle) != std::string::npos; }, timeout);
  }

 private:
  ghost::test::TempDir dir_{"p2p-log"};
};

}  // namespace ghost::p2p::test
