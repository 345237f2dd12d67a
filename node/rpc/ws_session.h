// A /subscribe connection: the WebSocket handshake, subscribe messages in, and the events of
// its topics out through a bounded queue (a subscriber that falls too far behind is dropped).
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <string>

#include "node/rpc/state.h"

namespace ghost::rpc {

// Answers `upgrade` (already read from `stream`) and serves the subscriber until it closes.
// Called on the stream's strand.
void serve_subscriber(boost::beast::tcp_stream stream,
                      boost::beast::http::request<boost::beast::http::string_body> upgrade,
                      std::shared_ptr<ServerState> state, std::string remote);

}  // namespace ghost::rpc
