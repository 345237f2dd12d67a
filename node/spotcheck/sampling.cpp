#include "node/spotcheck/sampling.h"

namespace ghost::spotcheck {

bool sampled(const Hash32& next_block_hash, const Hash32& job_id, uint32_t rate_ppm) {
  const Hash32 h = Sha256().update(next_block_hash.span()).update(job_id.span()).final();
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | h.bytes[i];
  return (unsigned __int128)v * 1'000'000u < (unsigned __int128)rate_ppm << 64;
}

}  // namespace ghost::spotcheck
