// Addresses as written in the configuration and as seen on sockets.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/keys.h"

namespace ghost::p2p {

// A peer to dial: "host:port" ("[v6]:port" for IPv6 literals), or "PUBKEYHEX@host:port",
// which also requires the peer to prove that node key.
struct PeerAddress {
  std::optional<PublicKey> key;
  std::string host;
  uint16_t port = 0;
  std::string host_port() const;
};
Result<PeerAddress> parse_peer_address(std::string_view text);

// A listen address: an IP literal and a port (0 = any free port); names are not resolved.
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

// "1.2.3.4:5" or "[::1]:5".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep);

// Loopback addresses are never banned: on a one-host testnet every peer shares them.
bool is_loopback(const boost::asio::ip::address& ip);

}  // namespace ghost::p2p
