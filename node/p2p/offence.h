// What a peer did wrong, as the receive path reports it: the offence (scored by
// Network::offence_score) and a reason for the log line.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "node/p2p/network.h"

namespace ghost::p2p {

// "undecodable", "oversize", ...: the offence's label in metrics and log lines.
std::string_view offence_name(Offence offence);

struct Violation {
  Offence offence;
  std::string reason;
};

// A verdict on untrusted input from a peer: the value, or what the peer did wrong.
template <class T>
using Checked = std::expected<T, Violation>;

inline std::unexpected<Violation> violation(Offence offence, std::string reason) {
  return std::unexpected<Violation>(Violation{offence, std::move(reason)});
}

}  // namespace ghost::p2p
