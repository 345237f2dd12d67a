// Chain parameters (docs/protocol.md §8): defaults, validation and integer fraction arithmetic.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "proto/genesis.pb.h"
#include "proto/state.pb.h"

namespace ghost::ledger {

inline constexpr uint64_t kMicroPerCredit = 1'000'000;
inline constexpr uint32_t kPpm = 1'000'000;  // 1.0 as parts per million

// Jobs a worker holds open at once when its profile names no capacity (docs/protocol.md §4).
inline constexpr uint32_t kDefaultWorkerCapacity = 128;
inline uint32_t worker_capacity(const pb::StakeInfo& w) { return w.capacity() ? w.capacity() : kDefaultWorkerCapacity; }

pb::Params default_params();
// Fails (naming the field) on a fraction above 1.0 or a zero where the protocol divides or
// needs progress (max_validators, epoch_blocks, max_tx_bytes, max_block_bytes, ...).
Result<void> validate_params(const pb::Params& p);

// floor(amount * ppm / 10^6), exact for every u64 amount and ppm <= 10^6.
uint64_t apply_ppm(uint64_t amount, uint32_t ppm);

}  // namespace ghost::ledger
