#include "crypto/hash.h"

#include <openssl/evp.h>

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

static EVP_MD_CTX* ctx_of(void* p) { return static_cast<EVP_MD_CTX*>(p); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex2(ctx_of(ctx_), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL SHA-256 init failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_of(ctx_)); }

Sha256& Sha256::update(const void* data, size_t len) {
  EVP_DigestUpdate(ctx_of(ctx_), data, len);
  return *this;
}

Sha256& Sha256::update(ByteSpan data) { return update(data.data(), data.size()); }

Hash32 Sha256::final() {
  Hash32 h;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_of(ctx_), h.bytes.data(), &len);
  EVP_DigestInit_ex2(ctx_of(ctx_), nullptr, nullptr);
  return h;
}

Hash32 sha256(ByteSpan data) {
  thread_local Sha256 hasher;
  return hasher.update(data).final();
}

}  // namespace ghost
