// What committed blocks did, counted for /metrics: txs by kind and outcome, jobs requested
// and answered, and slashes (double signing, proven faults).
#pragma once

#include "node/chain/chain.h"
#include "node/metrics/metrics.h"

namespace ghost::daemon {

void count_committed(const chain::Applied& applied, metrics::Registry& metrics);

}  // namespace ghost::daemon
