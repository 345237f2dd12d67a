#include "consensus/tx_sigcache.h"

namespace ghost::consensus {

bool TxSigCache::contains(const Hash32& tx_id) const {
  std::lock_guard lock(mu_);
  return ids_.contains(tx_id);
}

void TxSigCache::insert(const Hash32& tx_id) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  if (!ids_.insert(tx_id).second) return;
  order_.push_back(tx_id);
  if (order_.size() > capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
}

size_t TxSigCache::size() const {
  std::lock_guard lock(mu_);
  return ids_.size();
}

}  // namespace ghost::consensus
