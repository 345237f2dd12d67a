// Config::listen as an address to bind.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string_view>

#include "base/result.h"

namespace ghost::rpc {

// "host:port": an IPv4 address, a bracketed IPv6 one ("[::1]:80") or "localhost"; the port
// 0 to 65535 (0 picks a free one). kInvalid otherwise.
Result<boost::asio::ip::tcp::endpoint> parse_listen(std::string_view text);

}  // namespace ghost::rpc
