// One side of the handshake (docs/protocol.md §6.1): each side sends a hello with a fresh
// nonce, then, once it has the other's hello, a proof: its node key's signature over the
// other's nonce. Between the peer's hello and our proof the caller decides whether it wants
// that peer at all (self, banned, pinned key).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/result.h"
#include "crypto/keys.h"
#include "proto/p2p.pb.h"

namespace ghost::p2p {

// Frames are limited to this until the handshake completes: a hello is far smaller, and an
// unauthenticated connection gets no more memory than that.
inline constexpr uint64_t kHandshakeFrameBytes = 4096;
inline constexpr size_t kMaxListenAddrBytes = 256;

using Nonce = std::array<uint8_t, 32>;
Nonce random_nonce();

// What a proof signs: the verifier's nonce || genesis hash || the signer's node key.
Bytes proof_message(const Nonce& nonce, const Hash32& genesis_hash, const PublicKey& signer);

class Handshake {
 public:
  enum class Stage { kAwaitHello, kAwaitProof, kDone };

  Handshake(PrivateKey key, std::string chain_id, const Hash32& genesis_hash, std::string listen_addr,
            uint64_t height, const Nonce& nonce);

  pb::Handshake hello() const;
  // Our signature over the peer's nonce; only once its hello was accepted.
  pb::Handshake proof() const;

  // The peer's next message. kMismatch: another chain id or genesis hash; kInvalid: anything
  // else (a bad key, nonce or signature, stray fields, or no message expected).
  Result<void> receive(const pb::Handshake& message);

  Stage stage() const { return stage_; }
  // Claimed by the hello, proven once the stage is kDone.
  const PublicKey& peer_key() const { return peer_key_; }
  const pb::Handshake& peer_hello() const { return peer_hello_; }
  const Nonce& nonce() const { return nonce_; }
  const Nonce& peer_nonce() const { return peer_nonce_; }

 private:
  Result<void> receive_hello(const pb::Handshake& m);
  Result<void> receive_proof(const pb::Handshake& m);

  PrivateKey key_;
  std::string chain_id_;
  Hash32 genesis_hash_;
  std::string listen_addr_;
  uint64_t height_;
  Nonce nonce_;
  Stage stage_ = Stage::kAwaitHello;
  PublicKey peer_key_;
  Nonce peer_nonce_{};
  pb::Handshake peer_hello_;
};

}  // namespace ghost::p2p
