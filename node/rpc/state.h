// What the server and its sessions share. Sessions hold it by shared_ptr, so it outlives the
// last of them even when the Server goes first.
#pragma once

#include <atomic>
#include <chrono>

#include "node/rpc/connections.h"
#include "node/rpc/hub.h"
#include "node/rpc/rate_limiter.h"
#include "node/rpc/router.h"
#include "node/rpc/server.h"
#include "node/rpc/server_metrics.h"

namespace ghost::rpc {

// The path of the WebSocket endpoint.
inline constexpr std::string_view kSubscribePath = "/subscribe";

struct ServerState {
  ServerState(Config c, metrics::Registry& registry)
      : config(std::move(c)),
        limiter(config.requests_per_second, config.burst),
        metrics(registry),
        connections(metrics.connections) {}

  std::chrono::milliseconds request_timeout() const { return std::chrono::milliseconds(config.request_timeout_ms); }

  const Config config;
  Router router;  // filled before start(), read-only after
  RateLimiter limiter;
  Hub hub;
  ServerMetrics metrics;
  Connections connections;
  std::atomic<bool> stopped{false};  // no handler is called once set
};

}  // namespace ghost::rpc
