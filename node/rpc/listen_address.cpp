#include "node/rpc/listen_address.h"

#include <charconv>

namespace ghost::rpc {

Result<boost::asio::ip::tcp::endpoint> parse_listen(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return fail("listen address '" + std::string(text) + "' is not host:port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    return fail("listen port '" + std::string(port_text) + "' is not a number from 0 to 65535");
  if (host == "localhost") host = "127.0.0.1";
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  boost::system::error_code bad;
  const auto address = boost::asio::ip::make_address(std::string(host), bad);
  if (bad || address.is_v6() != bracketed)
    return fail("listen host '" + std::string(text.substr(0, colon)) + "' is not an IPv4 address, [IPv6] or localhost");
  return boost::asio::ip::tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace ghost::rpc
