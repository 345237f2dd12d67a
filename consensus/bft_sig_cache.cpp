#include "consensus/bft_sig_cache.h"

namespace ghost::consensus {

bool SigCache::verify(const PublicKey& key, const Hash32& digest, const Signature& sig) {
  Sha256 h;
  Hash32 id = h.update(key.bytes.data(), key.bytes.size()).update(digest.span()).update(sig.bytes.data(), 64).final();
  if (seen_.contains(id)) return true;
  if (!verify_hash(key, digest, sig)) return false;
  if (capacity_ == 0) return true;
  if (seen_.size() >= capacity_) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  seen_.insert(id);
  order_.push_back(id);
  return true;
}

}  // namespace ghost::consensus
