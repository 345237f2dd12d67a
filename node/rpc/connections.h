// The open connections (HTTP and WebSocket alike): counted for the connection cap and the
// ghost_rpc_connections gauge, and closed together by Server::stop(). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "node/metrics/metrics.h"

namespace ghost::rpc {

class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the socket from any thread (pending operations end, the session goes away).
  virtual void close() = 0;
};

class Connections {
 public:
  explicit Connections(metrics::Gauge& gauge) : gauge_(gauge) {}

  void add(const std::shared_ptr<Connection>& connection);
  void remove(const Connection& connection);  // no-op when absent
  size_t size() const;
  void close_all();

 private:
  metrics::Gauge& gauge_;
  mutable std::mutex mu_;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> open_;
};

}  // namespace ghost::rpc
