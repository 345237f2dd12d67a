// A set that remembers at most `capacity` keys, forgetting the oldest first. What every
// "seen before?" cache needs (verified signatures, gossip message ids): memory stays
// bounded whatever a peer sends.
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_set>

namespace ghost {

template <class Key, class Hash = std::hash<Key>>
class BoundedSet {
 public:
  explicit BoundedSet(size_t capacity) : capacity_(capacity) {}

  bool contains(const Key& k) const { return keys_.contains(k); }
  // False when k was already present (its age does not change).
  bool insert(const Key& k) {
    if (capacity_ == 0 || !keys_.insert(k).second) return false;
    order_.push_back(k);
    if (order_.size() > capacity_) {
      keys_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }
  size_t size() const { return keys_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::unordered_set<Key, Hash> keys_;
  std::deque<Key> order_;
};

}  // namespace ghost
