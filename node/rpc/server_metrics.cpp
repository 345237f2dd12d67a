#include "node/rpc/server_metrics.h"

#include <array>
#include <string>

namespace ghost::rpc {
namespace {

constexpr std::array<std::string_view, 9> kReasons = {"connections", "rate",        "header_size",
                                                      "body_size",   "malformed",   "target",
                                                      "timeout",     "slow_subscriber", "abuse"};
static_assert(kReasons.size() == static_cast<size_t>(Rejected::kAbuse) + 1, "one reason per Rejected");

metrics::Counter& rejected_counter(metrics::Registry& registry, Rejected reason) {
  return registry.counter("ghost_rpc_rejected_total", "RPC requests and connections refused, by reason",
                          {{"reason", std::string(kReasons[static_cast<size_t>(reason)])}});
}

}  // namespace

ServerMetrics::ServerMetrics(metrics::Registry& registry)
    : connections(registry.gauge("ghost_rpc_connections", "Open RPC connections (HTTP and WebSocket)")),
      subscribers(registry.gauge("ghost_rpc_subscribers", "Open /subscribe WebSocket connections")),
      queued_bytes(registry.gauge("ghost_rpc_subscriber_queued_bytes", "Bytes of events queued for subscribers")),
      registry_(registry) {
  for (size_t i = 0; i < kReasons.size(); ++i) rejected_counter(registry, static_cast<Rejected>(i));  // shown at 0
}

void ServerMetrics::request(std::string_view route, unsigned status) {
  registry_.counter("ghost_rpc_requests_total", "RPC requests answered, by route and status",
                    {{"route", std::string(route)}, {"status", std::to_string(status)}})
      .inc();
}

void ServerMetrics::rejected(Rejected reason) { rejected_counter(registry_, reason).inc(); }

}  // namespace ghost::rpc
