#include "crypto/hash.h"

// The EVP interface costs ~100 ns of provider dispatch per message, as much as hashing
// two blocks: Merkle node hashes (65 bytes) would spend half their time there. The
// low-level SHA-256 calls run the same SHA-NI/AVX2 code without it (docs/decisions.md).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstring>
#include <stdexcept>

namespace ghost {

Result<Hash32> Hash32::from_hex(std::string_view hex) {
  if (hex.size() != 64) return fail("a hash is 64 hex characters, got " + std::to_string(hex.size()));
  auto b = ghost::from_hex(hex);
  if (!b) return std::unexpected(b.error());
  return from_span(*b);
}

Hash32 Hash32::from_span(ByteSpan b) {
  if (b.size() != 32) throw std::invalid_argument("Hash32::from_span needs 32 bytes");
  Hash32 h;
  std::memcpy(h.bytes.data(), b.data(), 32);
  return h;
}

bool Hash32::is_zero() const {
  for (uint8_t b : bytes)
    if (b) return false;
  return true;
}

static SHA256_CTX* ctx_of(void* p) { return static_cast<SHA256_CTX*>(p); }

Sha256::Sha256() : ctx_(new SHA256_CTX) { SHA256_Init(ctx_of(ctx_)); }

Sha256::~Sha256() { delete ctx_of(ctx_); }

Sha256& Sha256::update(const void* data, size_t len) {
  SHA256_Update(ctx_of(ctx_), data, len);
  return *this;
}

Sha256& Sha256::update(ByteSpan data) { return update(data.data(), data.size()); }

Hash32 Sha256::final() {
  Hash32 h;
  SHA256_Final(h.bytes.data(), ctx_of(ctx_));
  SHA256_Init(ctx_of(ctx_));
  return h;
}

Hash32 sha256(ByteSpan data) {
  thread_local Sha256 hasher;
  return hasher.update(data).final();
}

}  // namespace ghost
