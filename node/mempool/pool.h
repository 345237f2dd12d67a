// The pending txs indexed three ways: by id, by sender in nonce order, and by fee rate for
// eviction (cheapest first; among equal rates the newest first). Storage only: which txs may
// enter or must leave is decided by the callers.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "node/mempool/entry.h"

namespace ghost::mempool {

// One of a sender's txs with what the nonce, fee and ordering rules and reaping read kept
// inline (the bytes as a view: they never change while pending), so that walking a sender's
// txs touches one array, not every entry.
struct Slot {
  uint64_t nonce = 0;
  uint64_t fee = 0;
  ByteSpan raw;
  Hash32 id;
  const Entry* entry = nullptr;
  bool answer = false;

  FeeRate rate() const { return {fee, raw.size()}; }
};
using Nonces = std::vector<Slot>;  // one sender's txs, ascending nonces

// The first slot with a nonce at or above `nonce`.
Nonces::const_iterator at_or_after(const Nonces& txs, uint64_t nonce);
// The slot of exactly `nonce`, or null.
const Slot* find_nonce(const Nonces& txs, uint64_t nonce);

class Pool {
 public:
  // The eviction order's key, kept in the set so that ordering reads no entry.
  struct Cheapness {
    FeeRate rate;
    uint64_t seq = 0;
    const Entry* entry = nullptr;
    bool operator<(const Cheapness& o) const;  // cheaper, or as cheap and newer
  };
  using ByFeeRate = std::set<Cheapness>;

  const Entry* find(const Hash32& id) const;
  const Nonces* sender(const Address& a) const;  // null when it has none pending
  const std::map<Address, Nonces>& senders() const { return senders_; }
  const ByFeeRate& by_fee_rate() const { return by_fee_rate_; }
  uint64_t size() const { return by_id_.size(); }
  uint64_t bytes() const { return bytes_; }

  // The id must not be pending, nor the sender's nonce.
  void insert(Entry e);
  // Removes the sender's txs with nonce in [first, last], appending their ids to `out` in
  // nonce order.
  void erase(const Address& sender, uint64_t first, uint64_t last, std::vector<Hash32>& out);

 private:
  // Owns the entries (node-based: they stay put), each with its place in the fee order so
  // that leaving it needs no search.
  struct Stored {
    Entry entry;
    ByFeeRate::iterator ranked;
  };
  std::unordered_map<Hash32, Stored, Hash32Hasher> by_id_;
  std::map<Address, Nonces> senders_;
  ByFeeRate by_fee_rate_;
  uint64_t bytes_ = 0;
};

}  // namespace ghost::mempool
