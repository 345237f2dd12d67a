#include "crypto/sig_cache.h"

namespace ghost {

bool SigCache::verify(const PublicKey& key, const Hash32& digest, const Signature& sig) {
  Sha256 h;
  Hash32 id = h.update(key.bytes.data(), key.bytes.size()).update(digest.span()).update(sig.bytes.data(), 64).final();
  {
    std::lock_guard lock(mu_);
    if (seen_.contains(id)) return true;
  }
  if (!verify_hash(key, digest, sig)) return false;
  std::lock_guard lock(mu_);
  seen_.insert(id);
  return true;
}

size_t SigCache::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

}  // namespace ghost
