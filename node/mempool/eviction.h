// Making room for an incoming tx in a full pool.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "node/mempool/pool.h"

namespace ghost::mempool {

// Evicting drops a sender's txs from `first` up: its higher nonces could never execute.
struct Cut {
  Address sender;
  uint64_t first = 0;
};

// The cuts that make room for `incoming` within max_txs and max_bytes (none if it fits), or
// nullopt when no allowed cuts do. Victims are taken cheapest per byte first, newest first
// among equal rates, and only while they pay strictly less per byte than `incoming`. The
// incoming sender's txs below its nonce are never taken: they must execute before it.
// `replaced` (pending, same sender and nonce) is leaving anyway and counts as room.
std::optional<std::vector<Cut>> plan_eviction(const Pool& pool, const Entry& incoming, const Entry* replaced,
                                              uint64_t max_txs, uint64_t max_bytes);

}  // namespace ghost::mempool
