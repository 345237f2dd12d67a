#include "node/p2p/offence.h"

#include <stdexcept>

namespace ghost::p2p {

std::string_view offence_name(Offence offence) {
  switch (offence) {
    case Offence::kUndecodable: return "undecodable";
    case Offence::kOversize: return "oversize";
    case Offence::kBadHandshake: return "bad_handshake";
    case Offence::kBadSignature: return "bad_signature";
    case Offence::kInvalidBlock: return "invalid_block";
    case Offence::kFlood: return "flood";
    case Offence::kProtocol: return "protocol";
    case Offence::kBadWeights: return "bad_weights";
  }
  throw std::invalid_argument("unknown Offence");
}

// docs/protocol.md §6.1: relative to the default ban_score of 100. What only a broken or
// hostile node sends bans at once; a flood twice; a protocol slip five times.
int32_t Network::offence_score(Offence offence) {
  switch (offence) {
    case Offence::kUndecodable:
    case Offence::kOversize:
    case Offence::kBadHandshake:
    case Offence::kBadSignature:
    case Offence::kInvalidBlock:
    case Offence::kBadWeights: return 100;
    case Offence::kFlood: return 50;
    case Offence::kProtocol: return 20;
  }
  throw std::invalid_argument("unknown Offence");
}

}  // namespace ghost::p2p
