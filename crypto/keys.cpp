#include "crypto/keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstring>
#include <stdexcept>

namespace ghost {
namespace {

void os_random(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
}

// One process-wide context, randomized once against side channels. libsecp256k1 allows
// concurrent use of a context by const functions, which is all that is done after this.
const secp256k1_context* context() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!c) throw std::runtime_error("secp256k1_context_create failed");
    uint8_t seed[32];
    os_random(seed, sizeof seed);
    if (!secp256k1_context_randomize(c, seed)) throw std::runtime_error("secp256k1_context_randomize failed");
    OPENSSL_cleanse(seed, sizeof seed);
    return c;
  }();
  return ctx;
}

// A keypair holds the secret too: wiped when it goes out of scope.
struct Keypair {
  secp256k1_keypair kp;
  ~Keypair() { OPENSSL_cleanse(&kp, sizeof kp); }
};

bool is_valid_scalar(const uint8_t secret[32]) { return secp256k1_ec_seckey_verify(context(), secret) == 1; }

}  // namespace

std::string_view domain_tag(SignDomain domain) {
  switch (domain) {
    case SignDomain::kTx: return "ghostchain/tx/v1";
    case SignDomain::kVote: return "ghostchain/vote/v1";
    case SignDomain::kProposal: return "ghostchain/proposal/v1";
    case SignDomain::kP2pHandshake: return "ghostchain/p2p-handshake/v1";
  }
  throw std::invalid_argument("unknown SignDomain");
}

Hash32 signing_hash(SignDomain domain, std::string_view chain_id, ByteSpan message) {
  std::string_view tag = domain_tag(domain);
  uint8_t tag_len = static_cast<uint8_t>(tag.size());
  uint8_t chain_len[8];
  put_u64le(chain_len, chain_id.size());
  Sha256 h;
  h.update(&tag_len, 1).update(as_bytes(tag)).update(chain_len, 8).update(as_bytes(chain_id)).update(message);
  return h.final();
}

Result<PublicKey> PublicKey::from_bytes(ByteSpan b) {
  if (b.size() != 32) return fail("a public key is 32 bytes, got " + std::to_string(b.size()));
  secp256k1_xonly_pubkey parsed;
  if (!secp256k1_xonly_pubkey_parse(context(), &parsed, b.data()))
    return fail("public key is not the x-coordinate of a point on secp256k1");
  PublicKey k;
  std::memcpy(k.bytes.data(), b.data(), 32);
  return k;
}

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
  if (hex.size() != 64) return fail("a public key is 64 hex digits, got " + std::to_string(hex.size()) + " characters");
  auto b = ghost::from_hex(hex);
  if (!b) return fail(b.error(), "public key: ");
  return from_bytes(*b);
}

Result<Signature> Signature::from_bytes(ByteSpan b) {
  if (b.size() != 64) return fail("a signature is 64 bytes, got " + std::to_string(b.size()));
  Signature s;
  std::memcpy(s.bytes.data(), b.data(), 64);
  return s;
}

PrivateKey::~PrivateKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

Result<PrivateKey> PrivateKey::from_bytes(ByteSpan secret) {
  if (secret.size() != 32) return fail("a private key is 32 bytes, got " + std::to_string(secret.size()));
  if (!is_valid_scalar(secret.data())) return fail("private key is zero or not below the secp256k1 group order");
  PrivateKey k;
  std::memcpy(k.secret_.data(), secret.data(), 32);
  Keypair kp;
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_keypair_create(context(), &kp.kp, k.secret_.data()) ||
      !secp256k1_keypair_xonly_pub(context(), &xonly, nullptr, &kp.kp) ||
      !secp256k1_xonly_pubkey_serialize(context(), k.pub_.bytes.data(), &xonly))
    return fail("could not derive the public key");
  return k;
}

PrivateKey PrivateKey::generate() {
  std::array<uint8_t, 32> secret;
  do os_random(secret.data(), secret.size());
  while (!is_valid_scalar(secret.data()));
  PrivateKey k = *from_bytes(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return k;
}

PrivateKey PrivateKey::from_seed(std::string_view seed) {
  Hash32 h = sha256(seed);
  while (!is_valid_scalar(h.data())) h = sha256(h.span());  // probability ~2^-128
  return *from_bytes(h.span());
}

Signature PrivateKey::sign(SignDomain domain, std::string_view chain_id, ByteSpan message) const {
  return sign_hash(signing_hash(domain, chain_id, message));
}

Signature PrivateKey::sign_hash(const Hash32& digest) const {
  std::array<uint8_t, 32> aux;
  os_random(aux.data(), aux.size());
  return sign_hash(digest, aux);
}

Signature PrivateKey::sign_hash(const Hash32& digest, const std::array<uint8_t, 32>& aux_rand) const {
  Keypair kp;
  if (!secp256k1_keypair_create(context(), &kp.kp, secret_.data()))
    throw std::logic_error("signing with an empty or invalid PrivateKey");
  Signature sig;
  if (!secp256k1_schnorrsig_sign32(context(), sig.bytes.data(), digest.data(), &kp.kp, aux_rand.data()))
    throw std::runtime_error("secp256k1_schnorrsig_sign32 failed");
  return sig;
}

bool verify_hash(const PublicKey& key, const Hash32& digest, const Signature& sig) {
  secp256k1_xonly_pubkey parsed;
  if (!secp256k1_xonly_pubkey_parse(context(), &parsed, key.bytes.data())) return false;
  return secp256k1_schnorrsig_verify(context(), sig.bytes.data(), digest.data(), 32, &parsed) == 1;
}

bool verify(const PublicKey& key, SignDomain domain, std::string_view chain_id, ByteSpan message,
            const Signature& sig) {
  return verify_hash(key, signing_hash(domain, chain_id, message), sig);
}

Address Address::of(const PublicKey& key) {
  Hash32 h = sha256(ByteSpan(key.bytes));
  Address a;
  std::memcpy(a.bytes.data(), h.data(), a.bytes.size());
  return a;
}

Result<Address> Address::from_bytes(ByteSpan b) {
  if (b.size() != 20) return fail("an address is 20 bytes, got " + std::to_string(b.size()));
  Address a;
  std::memcpy(a.bytes.data(), b.data(), 20);
  return a;
}

Result<Address> Address::parse(std::string_view text) {
  constexpr std::string_view kPrefix = "gc1";
  if (!text.starts_with(kPrefix)) return fail("an address starts with \"gc1\"");
  std::string_view hex = text.substr(kPrefix.size());
  if (hex.size() != 40)
    return fail("an address is \"gc1\" followed by 40 hex digits, got " + std::to_string(hex.size()) + " after the prefix");
  for (size_t i = 0; i < hex.size(); ++i) {
    char c = hex[i];
    if (c >= 'A' && c <= 'F') return fail("an address is written in lowercase hex (uppercase digit at position " + std::to_string(i + 3) + ")");
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return fail("an address has a non-hex character at position " + std::to_string(i + 3));
  }
  return from_bytes(*ghost::from_hex(hex));
}

std::string Address::str() const { return "gc1" + to_hex(bytes); }

}  // namespace ghost
