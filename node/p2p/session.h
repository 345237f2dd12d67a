// One WebSocket connection to a peer: the upgrade (either role), a read loop handing every
// frame up, a writer draining a SendQueue, keep-alive pings, and the handshake deadline.
// It knows nothing of what the frames mean. All calls on the io_context's thread, except
// queued_bytes().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "node/p2p/send_queue.h"

namespace ghost::p2p {

class Session {
 public:
  using tcp = boost::asio::ip::tcp;

  struct Limits {
    uint64_t max_frame_bytes;  // from established() on; kHandshakeFrameBytes before
    uint64_t consensus_queue_bytes;
    uint64_t gossip_queue_bytes;
    std::chrono::milliseconds handshake_timeout;  // from start() until established()
    std::chrono::milliseconds ping_interval;      // silent for three of them: closed
  };
  struct Events {
    std::function<void(Session&)> on_open;  // the WebSocket is up
    std::function<void(Session&, ByteSpan frame, bool text)> on_frame;
    std::function<void(Session&)> on_oversize;  // a frame over the limit (then on_closed)
    std::function<void(size_t bytes, size_t frames)> on_written;  // frames: more than one in a batch
    std::function<void(Session&, const std::string& why)> on_closed;  // once, on a fresh stack
  };

  // A connection our listener accepted.
  static std::shared_ptr<Session> accepted(tcp::socket socket, const Limits& limits, Events events);
  // A connection we dial; `host` ("host:port") names the peer in the upgrade request.
  static std::shared_ptr<Session> dialled(boost::asio::io_context& io, tcp::resolver::results_type endpoints,
                                          std::string host, const Limits& limits, Events events);

  virtual ~Session() = default;
  virtual void start() = 0;
  // Queued frames are written once the WebSocket is up, consensus first; once established,
  // small frames queued together go as one batch (node/p2p/frame.h).
  virtual SendQueue::Push send(SendQueue::Frame frame, Priority priority) = 0;
  // The peer is authenticated: frames up to max_frame_bytes, pings, no more deadline.
  virtual void established() = 0;
  virtual void close(const std::string& why) = 0;

  virtual bool closed() const = 0;  // close() was called: what it still reads is dropped
  virtual bool outbound() const = 0;
  virtual const tcp::endpoint& remote() const = 0;  // dialled: once connected
  virtual uint64_t queued_bytes() const = 0;          // any thread
};

}  // namespace ghost::p2p
