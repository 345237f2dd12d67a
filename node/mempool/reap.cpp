#include "node/mempool/reap.h"

#include <algorithm>
#include <map>

namespace ghost::mempool {
namespace {

// One sender's position: a copy of its next tx's slot (taking it reads only this array),
// where that slot is, and what its balance still pays.
struct Next {
  Slot tx;
  Nonces::const_iterator at, end;
  uint64_t fees_left = 0;
};

// A heap element: the rate of a sender's next tx, so that most comparisons read only the heap.
struct Ranked {
  bool answer = false;  // a job's result
  FeeRate rate;
  uint32_t sender = 0;  // index into the positions
};

}  // namespace

std::vector<Bytes> reap(const Pool& pool, uint64_t max_bytes, const StateView& state, const JobRoom& room) {
  std::vector<Next> senders;
  std::vector<Ranked> heap;
  for (const auto& [sender, txs] : pool.senders()) {
    const AccountState account = state(sender);
    auto first = at_or_after(txs, account.nonce);
    if (first == txs.end() || first->nonce != account.nonce || first->fee > account.balance) continue;
    heap.push_back({first->answer, first->rate(), uint32_t(senders.size())});
    senders.push_back({*first, first, txs.end(), account.balance});
  }
  // The top is a job's result, then the highest fee per byte, then the lowest id.
  auto worse = [&](const Ranked& a, const Ranked& b) {
    if (a.answer != b.answer) return b.answer;
    if (a.rate < b.rate) return true;
    if (b.rate < a.rate) return false;
    return senders[a.sender].tx.id > senders[b.sender].tx.id;
  };
  std::make_heap(heap.begin(), heap.end(), worse);
  std::vector<Bytes> out;
  uint64_t left = max_bytes;
  std::map<Hash32, uint64_t> rooms;  // per model, looked up once
  auto room_for = [&](const Hash32& model) -> uint64_t& {
    auto it = rooms.find(model);
    if (it == rooms.end()) it = rooms.emplace(model, room(model)).first;
    return it->second;
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), worse);
    Next& next = senders[heap.back().sender];
    const Slot& tx = next.tx;
    const auto& model = tx.entry->job_model;
    if (tx.raw.size() > left || (room && model && room_for(*model) == 0)) {
      heap.pop_back();
      continue;
    }
    if (room && model) --room_for(*model);
    out.emplace_back(tx.raw.begin(), tx.raw.end());
    left -= tx.raw.size();
    next.fees_left -= tx.fee;
    auto after = std::next(next.at);
    if (after != next.end && after->nonce == tx.nonce + 1 && after->fee <= next.fees_left) {
      next.at = after;
      next.tx = *after;
      heap.back().rate = after->rate();
      heap.back().answer = after->answer;
      std::push_heap(heap.begin(), heap.end(), worse);
    } else {
      heap.pop_back();
    }
  }
  return out;
}

}  // namespace ghost::mempool
