// Remembers the ids of txs whose signature verified, so a tx checked by the mempool is not
// verified again when its block executes. Bounded: the oldest entries are forgotten first.
// The id hashes the whole envelope, signature included, so a hit means the same bytes.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "crypto/hash.h"

namespace ghost::consensus {

class TxSigCache {
 public:
  explicit TxSigCache(size_t capacity = 1u << 17) : capacity_(capacity) {}

  bool contains(const Hash32& tx_id) const;
  void insert(const Hash32& tx_id);
  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<Hash32, Hash32Hasher> ids_;
  std::deque<Hash32> order_;
};

}  // namespace ghost::consensus
