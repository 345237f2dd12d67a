// Choosing the txs of a block from the pool.
#pragma once

#include <cstdint>
#include <vector>

#include "node/mempool/mempool.h"
#include "node/mempool/pool.h"

namespace ghost::mempool {

// Mempool::reap: a priority queue holds each sender's next executable tx; the best (a job's
// result first, then the highest fee per byte, then the lowest id) is taken and replaced by
// that sender's following nonce. A sender whose next tx does not fit in what is left stops;
// the others go on. Results go first because a result is larger than a request and so pays
// less per byte at the minimum fee: ranked by rate alone, requests under overload fill every
// block, the results miss their deadlines and the paid work is refunded (docs/decisions.md).
// A paid request whose model has no room left stops its sender, like a tx that does not fit.
std::vector<Bytes> reap(const Pool& pool, uint64_t max_bytes, const StateView& state, const JobRoom& room);

}  // namespace ghost::mempool
