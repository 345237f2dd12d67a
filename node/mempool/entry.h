// One pending tx as the pool keeps it: what the nonce, fee and ordering rules read, and the
// raw bytes for blocks and gossip. The decoded tx is not kept: bytes bound the memory.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace ghost::mempool {

// Fee per byte, compared exactly: cross-multiplied in 128 bits, no division, no rounding.
struct FeeRate {
  uint64_t fee = 0;
  uint64_t size = 0;

  bool operator<(const FeeRate& o) const { return (unsigned __int128)fee * o.size < (unsigned __int128)o.fee * size; }
  // At least 10% more per byte: what a replacement must pay, so that replacing cannot be
  // used to rebroadcast for free.
  bool outbids(const FeeRate& old) const {
    return (unsigned __int128)fee * old.size * 10 >= (unsigned __int128)old.fee * size * 11;
  }
};

struct Entry {
  Hash32 id;
  Address sender;
  uint64_t nonce = 0;
  uint64_t fee = 0;
  uint64_t seq = 0;  // arrival order
  Bytes raw;
  bool answer = false;  // a job's result: reaped before other txs (see reap)
  std::optional<Hash32> job_model;  // a paid request's model: reaped while its workers have room

  uint64_t size() const { return raw.size(); }
  FeeRate rate() const { return {fee, size()}; }
};

}  // namespace ghost::mempool
