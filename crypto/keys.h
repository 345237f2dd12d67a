// BIP-340 Schnorr keys over secp256k1, domain-separated signing, and addresses.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace ghost {

// What a signature is for. Each kind has its own tag so a signature made for one kind
// (or one chain) can never be accepted as another (docs/protocol.md §2).
enum class SignDomain : uint8_t { kTx, kVote, kProposal, kP2pHandshake };

// The 32-byte message actually signed:
//   SHA-256(u8 len(tag) || tag || u64le(len(chain_id)) || chain_id || message)
// with tag "ghostchain/tx/v1", "ghostchain/vote/v1", "ghostchain/proposal/v1" or
// "ghostchain/p2p-handshake/v1". The length prefixes make the preimage parse one way only,
// so distinct (domain, chain_id, message) triples never share a preimage.
Hash32 signing_hash(SignDomain domain, std::string_view chain_id, ByteSpan message);
std::string_view domain_tag(SignDomain domain);

struct PublicKey {  // x-only, 32 bytes
  std::array<uint8_t, 32> bytes{};
  static Result<PublicKey> from_bytes(ByteSpan b);  // rejects points not on the curve
  static Result<PublicKey> from_hex(std::string_view hex);  // 64 hex digits, either case
  std::string hex() const { return to_hex(bytes); }
  auto operator<=>(const PublicKey&) const = default;
};

struct Signature {  // 64 bytes
  std::array<uint8_t, 64> bytes{};
  static Result<Signature> from_bytes(ByteSpan b);
  std::string hex() const { return to_hex(bytes); }
  auto operator<=>(const Signature&) const = default;
};

// A default-constructed PrivateKey is empty (all-zero secret) and must not be used to sign.
class PrivateKey {
 public:
  PrivateKey() = default;
  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();  // wipes the secret

  static PrivateKey generate();                          // from the OS CSPRNG
  static Result<PrivateKey> from_bytes(ByteSpan secret);  // 32 bytes, valid scalar
  static PrivateKey from_seed(std::string_view seed);     // deterministic, for tests and testnets

  const PublicKey& public_key() const { return pub_; }
  ByteSpan secret() const { return secret_; }

  Signature sign(SignDomain domain, std::string_view chain_id, ByteSpan message) const;
  Signature sign_hash(const Hash32& digest) const;  // raw BIP-340 over a 32-byte digest
  // BIP-340 with caller-chosen auxiliary randomness: the same (key, digest, aux) always gives
  // the same signature (all-zero aux for reproducible re-signing; conformance vectors).
  Signature sign_hash(const Hash32& digest, const std::array<uint8_t, 32>& aux_rand) const;

 private:
  std::array<uint8_t, 32> secret_{};
  PublicKey pub_;
};

bool verify(const PublicKey& key, SignDomain domain, std::string_view chain_id, ByteSpan message,
            const Signature& sig);
bool verify_hash(const PublicKey& key, const Hash32& digest, const Signature& sig);

// Address = first 20 bytes of SHA-256(x-only pubkey), shown as "gc1" + 40 lowercase hex.
struct Address {
  std::array<uint8_t, 20> bytes{};
  static Address of(const PublicKey& key);
  static Result<Address> parse(std::string_view text);  // exactly "gc1" + 40 lowercase hex
  static Result<Address> from_bytes(ByteSpan b);
  std::string str() const;
  auto operator<=>(const Address&) const = default;
};

}  // namespace ghost
