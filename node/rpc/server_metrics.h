// What the RPC server counts, in the node's metrics registry.
#pragma once

#include <string_view>

#include "node/metrics/metrics.h"

namespace ghost::rpc {

// Why a request or connection was refused: the `reason` label of ghost_rpc_rejected_total.
enum class Rejected { kConnections, kRate, kHeaderSize, kBodySize, kMalformed, kTarget, kTimeout, kSlowSubscriber, kAbuse };

class ServerMetrics {
 public:
  explicit ServerMetrics(metrics::Registry& registry);

  // ghost_rpc_requests_total{route, status}; route is the matched pattern or "none".
  void request(std::string_view route, unsigned status);
  void rejected(Rejected reason);

  metrics::Gauge& connections;      // open HTTP and WebSocket connections
  metrics::Gauge& subscribers;      // open /subscribe connections
  metrics::Gauge& queued_bytes;     // events waiting in subscribers' queues, all together

 private:
  metrics::Registry& registry_;
};

}  // namespace ghost::rpc
