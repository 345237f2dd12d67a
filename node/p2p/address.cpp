#include "node/p2p/address.h"

#include <charconv>

namespace ghost::p2p {
namespace {

// "'TEXT' WHY". Appended piece by piece: gcc 12 warns falsely (-Wrestrict) on
// "'" + std::string(text) + "'".
std::unexpected<Error> bad(std::string_view text, std::string_view why) {
  std::string m = "'";
  m.append(text);
  m.append("' ");
  m.append(why);
  return fail(std::move(m));
}

struct HostPort {
  std::string host;
  uint16_t port;
};

Result<HostPort> split_host_port(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad(text, "is not host:port");
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return bad(text, "has an IPv6 host without brackets ([::1]:port)");
  if (host.empty()) return bad(text, "has no host");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    return bad(text, "has no valid port (0 to 65535)");
  return HostPort{std::string(host), uint16_t(value)};
}

}  // namespace

namespace {
// IPv6 hosts in brackets (appended piece by piece, as in bad()).
std::string join_host_port(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out;
  if (v6) out.push_back('[');
  out.append(host);
  if (v6) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}
}  // namespace

std::string PeerAddress::host_port() const { return join_host_port(host, port); }

Result<PeerAddress> parse_peer_address(std::string_view text) {
  PeerAddress out;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    auto key = PublicKey::from_hex(text.substr(0, at));
    if (!key) return bad(text, "has no valid node key before '@'");
    out.key = *key;
    text = text.substr(at + 1);
  }
  auto hp = split_host_port(text);
  if (!hp) return std::unexpected(hp.error());
  if (hp->port == 0) return bad(text, "has port 0 (a peer needs a real port)");
  out.host = std::move(hp->host);
  out.port = hp->port;
  return out;
}

Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text) {
  auto hp = split_host_port(text);
  if (!hp) return std::unexpected(hp.error());
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(hp->host, ec);
  if (ec) return bad(text, "has a host that is not an IP address (listen addresses are not resolved)");
  return boost::asio::ip::tcp::endpoint(ip, hp->port);
}

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  return join_host_port(ep.address().to_string(), ep.port());
}

bool is_loopback(const boost::asio::ip::address& ip) {
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6()).is_loopback();
  return ip.is_loopback();
}

}  // namespace ghost::p2p
