// Which accepted answers a validator checks (docs/protocol.md §6, "Spot-checker"): decided by
// the hash of the block AFTER the answer's block, so a worker cannot know when it answers.
#pragma once

#include <cstdint>

#include "crypto/hash.h"

namespace ghost::spotcheck {

// H(next_block_hash || job_id), its first 8 bytes read big-endian as v, is sampled iff
// v * 10^6 < rate_ppm * 2^64 (exact in 128 bits): every answer at 1,000,000 ppm, none at 0.
bool sampled(const Hash32& next_block_hash, const Hash32& job_id, uint32_t rate_ppm);

}  // namespace ghost::spotcheck
