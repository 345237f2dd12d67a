#include "node/mempool/pool.h"

#include <algorithm>
#include <stdexcept>

namespace ghost::mempool {

Nonces::const_iterator at_or_after(const Nonces& txs, uint64_t nonce) {
  return std::lower_bound(txs.begin(), txs.end(), nonce, [](const Slot& s, uint64_t n) { return s.nonce < n; });
}

const Slot* find_nonce(const Nonces& txs, uint64_t nonce) {
  auto it = at_or_after(txs, nonce);
  return it != txs.end() && it->nonce == nonce ? &*it : nullptr;
}

bool Pool::Cheapness::operator<(const Cheapness& o) const {
  if (rate < o.rate) return true;
  if (o.rate < rate) return false;
  return seq > o.seq;
}

const Entry* Pool::find(const Hash32& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second.entry;
}

const Nonces* Pool::sender(const Address& a) const {
  auto it = senders_.find(a);
  return it == senders_.end() ? nullptr : &it->second;
}

void Pool::insert(Entry e) {
  if (by_id_.contains(e.id)) throw std::logic_error("mempool: inserting a pending id");
  Nonces& txs = senders_[e.sender];
  auto at = at_or_after(txs, e.nonce);
  if (at != txs.end() && at->nonce == e.nonce) throw std::logic_error("mempool: inserting a pending sender nonce");
  const Hash32 id = e.id;
  Stored& stored = by_id_.emplace(id, Stored{std::move(e), {}}).first->second;
  const Entry& entry = stored.entry;
  txs.insert(at, Slot{entry.nonce, entry.fee, entry.raw, entry.id, &entry, entry.answer});
  stored.ranked = by_fee_rate_.insert({entry.rate(), entry.seq, &entry}).first;
  bytes_ += entry.size();
}

void Pool::erase(const Address& sender, uint64_t first, uint64_t last, std::vector<Hash32>& out) {
  auto s = senders_.find(sender);
  if (s == senders_.end() || first > last) return;
  Nonces& txs = s->second;
  auto begin = at_or_after(txs, first), end = begin;
  for (; end != txs.end() && end->nonce <= last; ++end) {
    auto stored = by_id_.find(end->id);
    out.push_back(end->id);
    by_fee_rate_.erase(stored->second.ranked);
    bytes_ -= end->raw.size();
    by_id_.erase(stored);
  }
  txs.erase(begin, end);
  if (txs.empty()) senders_.erase(s);
}

}  // namespace ghost::mempool
