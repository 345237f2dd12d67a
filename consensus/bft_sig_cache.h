// Remembers signatures already verified: gossip delivers the same vote many times, and a
// Schnorr verification costs ~1000x a hash lookup. Only successful checks are remembered,
// so the cache can never make a bad signature pass; it is bounded (oldest entries go first).
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_set>

#include "crypto/hash.h"
#include "crypto/keys.h"

namespace ghost::consensus {

class SigCache {
 public:
  explicit SigCache(size_t capacity = 1 << 16) : capacity_(capacity) {}
  // verify_hash(key, digest, sig), answered from the cache when this exact triple passed before.
  bool verify(const PublicKey& key, const Hash32& digest, const Signature& sig);
  size_t size() const { return seen_.size(); }

 private:
  size_t capacity_;
  std::unordered_set<Hash32, Hash32Hasher> seen_;
  std::deque<Hash32> order_;
};

}  // namespace ghost::consensus
