// What the chain needs of the peer-to-peer network: send consensus traffic, and name a peer
// that sent something provably wrong. The daemon adapts p2p::Network to it; tests connect
// drivers directly.
#pragma once

#include <optional>
#include <string>

#include "crypto/keys.h"
#include "proto/p2p.pb.h"

namespace ghost::chain {

enum class Fault : uint8_t { kBadSignature, kInvalidBlock, kProtocol };

class Peers {
 public:
  virtual ~Peers() = default;
  virtual void broadcast(pb::Envelope env, std::optional<PublicKey> except = std::nullopt) = 0;
  virtual void send(const PublicKey& peer, pb::Envelope env) = 0;
  virtual void punish(const PublicKey& peer, Fault fault, std::string reason) = 0;
};

}  // namespace ghost::chain
