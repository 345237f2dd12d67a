// Keys or addresses refused until a time. Every ban of one list lasts equally long, so the
// oldest ban expires first: a FIFO keeps them, and at `capacity` the oldest is forgotten
// early, so memory stays bounded however many identities a peer burns.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <utility>

namespace ghost::p2p {

template <class Key>
class BanList {
 public:
  using Clock = std::chrono::steady_clock;

  BanList(Clock::duration duration, size_t capacity) : duration_(duration), capacity_(capacity) {}

  void ban(const Key& key, Clock::time_point now) {
    const auto until = now + duration_;
    until_[key] = until;
    order_.emplace_back(key, until);
    if (order_.size() > capacity_) pop_oldest();
  }

  bool banned(const Key& key, Clock::time_point now) {
    while (!order_.empty() && order_.front().second <= now) pop_oldest();
    return until_.contains(key);
  }

 private:
  // A key banned again has a newer entry further back: only that one lifts its ban.
  void pop_oldest() {
    auto [key, until] = std::move(order_.front());
    order_.pop_front();
    if (auto it = until_.find(key); it != until_.end() && it->second == until) until_.erase(it);
  }

  Clock::duration duration_;
  size_t capacity_;
  std::map<Key, Clock::time_point> until_;
  std::deque<std::pair<Key, Clock::time_point>> order_;
};

}  // namespace ghost::p2p
