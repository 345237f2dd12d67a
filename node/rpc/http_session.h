// One HTTP/1.1 connection: requests read within the limits and the deadline, routed, and
// answered in order (keep-alive); a WebSocket upgrade on /subscribe becomes a subscriber.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "node/rpc/state.h"

namespace ghost::rpc {

// Serves `socket` (its executor a strand of its own) until either side closes it.
void serve_http(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);

}  // namespace ghost::rpc
