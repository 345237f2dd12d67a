// Choosing the txs of a block from the pool.
#pragma once

#include <cstdint>
#include <vector>

#include "node/mempool/mempool.h"
#include "node/mempool/pool.h"

namespace ghost::mempool {

// Mempool::reap: a priority queue holds each sender's next executable tx; the best (highest
// fee per byte, then lowest id) is taken and replaced by that sender's following nonce. A
// sender whose next tx does not fit in what is left stops; the others go on.
std::vector<Bytes> reap(const Pool& pool, uint64_t max_bytes, const StateView& state);

}  // namespace ghost::mempool
