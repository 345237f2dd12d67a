// Remembers signatures already verified: gossip delivers the same vote many times, and a tx
// checked by the mempool is checked again when its block executes, while a Schnorr
// verification costs ~1000x a hash lookup. Only successful checks are remembered, so the
// cache can never make a bad signature pass. Bounded (oldest first) and thread-safe: one
// cache is shared by the mempool, block execution and the consensus engine.
#pragma once

#include <cstddef>
#include <mutex>

#include "base/bounded_set.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace ghost {

class SigCache {
 public:
  explicit SigCache(size_t capacity = 1u << 17) : seen_(capacity) {}
  // verify_hash(key, digest, sig), answered from the cache when this exact triple passed before.
  bool verify(const PublicKey& key, const Hash32& digest, const Signature& sig);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  BoundedSet<Hash32, Hash32Hasher> seen_;
};

}  // namespace ghost
