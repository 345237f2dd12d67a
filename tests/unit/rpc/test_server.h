// A Server on 127.0.0.1 with a free port, its io_context on a thread of its own; and a poll
// with a deadline for conditions the server reaches on that thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "node/metrics/metrics.h"
#include "node/rpc/server.h"

namespace ghost::rpc::test {

using namespace std::chrono_literals;

// True once `condition` holds, false if it still does not after `limit`.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class TestServer {
 public:
  explicit TestServer(Config config = {}) : server(io, with_free_port(std::move(config)), metrics) {}
  ~TestServer() {
    server.stop();
    work_.reset();
    if (!thread_.joinable()) return;
    if (!eventually([&] { return io.stopped(); })) io.stop();  // a session that never ends fails ASan, not the wait
    thread_.join();
  }

  // Starts listening and the io thread; empty, or why the server did not start.
  std::string start() {
    auto started = server.start();
    if (!started) return started.error().message;
    thread_ = std::thread([this] { io.run(); });
    return {};
  }

  uint16_t port() const { return server.port(); }
  double gauge(const std::string& name) { return metrics.gauge(name, "").value(); }
  uint64_t rejected(const std::string& reason) {
    return metrics.counter("ghost_rpc_rejected_total", "", {{"reason", reason}}).value();
  }
  uint64_t answered(const std::string& route, unsigned status) {
    return metrics.counter("ghost_rpc_requests_total", "", {{"route", route}, {"status", std::to_string(status)}})
        .value();
  }

  metrics::Registry metrics;  // first: sessions still count into it while the io_context ends
  boost::asio::io_context io;
  Server server;

 private:
  static Config with_free_port(Config c) {
    c.listen = "127.0.0.1:0";
    return c;
  }
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io.get_executor()};
  std::thread thread_;
};

}  // namespace ghost::rpc::test
