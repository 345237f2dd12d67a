// The network's metrics (served at /metrics), registered once per Network.
#pragma once

#include <array>

#include "node/metrics/metrics.h"
#include "node/p2p/network.h"

namespace ghost::p2p {

struct Metrics {
  explicit Metrics(metrics::Registry& r);

  metrics::Gauge& peers;
  metrics::Counter& bans;
  metrics::Counter& bytes_in;
  metrics::Counter& bytes_out;
  metrics::Counter& messages_in;
  metrics::Counter& messages_out;
  metrics::Counter& writes_out;
  metrics::Counter& duplicates;
  metrics::Counter& gossip_dropped;
  metrics::Counter& slow_peers;
  std::array<metrics::Counter*, 8> offences;  // indexed by Offence

  metrics::Counter& offence(Offence o) { return *offences[size_t(o)]; }
};

}  // namespace ghost::p2p
