// The only file that includes Beast: Session's interface keeps it out of the others.
#include "node/p2p/session.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "node/p2p/frame.h"
#include "node/p2p/handshake.h"

namespace ghost::p2p {
namespace {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

std::string describe(const error_code& ec) {
  if (ec == websocket::error::closed || ec == asio::error::eof || ec == asio::error::connection_reset)
    return "closed by the peer";
  return ec.message();
}

class WsSession final : public Session, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket socket, bool outbound, std::string host, tcp::resolver::results_type endpoints,
            const Limits& limits, Events events)
      : ws_(std::move(socket)),
        outbound_(outbound),
        host_(std::move(host)),
        endpoints_(std::move(endpoints)),
        limits_(limits),
        events_(std::move(events)),
        queue_(limits.consensus_queue_bytes, limits.gossip_queue_bytes),
        handshake_timer_(ws_.get_executor()),
        ping_timer_(ws_.get_executor()) {}

  void start() override {
    ws_.binary(true);
    // One frame per message: Beast's default cuts a message into 4 KiB frames, one write (and
    // on the peer one read) each, a thousand system calls for a 4 MiB weight range.
    ws_.auto_fragment(false);
    ws_.read_message_max(kHandshakeFrameBytes);
    ws_.control_callback([this](websocket::frame_type, boost::beast::string_view) { last_heard_ = Clock::now(); });
    handshake_timer_.expires_after(limits_.handshake_timeout);
    handshake_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->close("the handshake did not finish in time");
    });
    if (!outbound_) {
      error_code ec;
      remote_ = ws_.next_layer().remote_endpoint(ec);
      if (ec) return close(describe(ec));
      ws_.next_layer().set_option(tcp::no_delay(true), ec);
      ws_.async_accept([self = shared_from_this()](const error_code& ec) { self->opened(ec); });
      return;
    }
    asio::async_connect(ws_.next_layer(), endpoints_,
                        [self = shared_from_this()](const error_code& ec, const tcp::endpoint& ep) {
                          if (ec) return self->close(describe(ec));
                          self->remote_ = ep;
                          error_code ignored;
                          self->ws_.next_layer().set_option(tcp::no_delay(true), ignored);
                          self->ws_.async_handshake(self->host_, "/",
                                                    [self](const error_code& ec) { self->opened(ec); });
                        });
  }

  SendQueue::Push send(SendQueue::Frame frame, Priority priority) override {
    if (closed_) return SendQueue::Push::kDropped;
    const auto pushed = queue_.push(std::move(frame), priority);
    queued_ = queue_.bytes();
    write_next();
    return pushed;
  }

  void established() override {
    // Frames queued until now (handshake frames) go alone: the peer reads them under the
    // handshake's frame limit, and a batch is read only once its own handshake is done.
    alone_ = queue_.count();
    established_ = true;
    handshake_timer_.cancel();
    ws_.read_message_max(limits_.max_frame_bytes);
    last_heard_ = Clock::now();
    keep_alive();
  }

  void close(const std::string& why) override {
    if (closed_) return;
    closed_ = true;
    handshake_timer_.cancel();
    ping_timer_.cancel();
    // The socket itself, not a WebSocket close: that would wait behind a write a slow peer
    // never lets finish.
    error_code ignored;
    ws_.next_layer().close(ignored);
    asio::post(ws_.get_executor(), [self = shared_from_this(), why] { self->events_.on_closed(*self, why); });
  }

  bool closed() const override { return closed_; }
  bool outbound() const override { return outbound_; }
  const tcp::endpoint& remote() const override { return remote_; }
  uint64_t queued_bytes() const override { return queued_; }

 private:
  void opened(const error_code& ec) {
    if (closed_) return;
    if (ec) return close("WebSocket upgrade failed: " + describe(ec));
    open_ = true;
    events_.on_open(*this);
    read();
    write_next();
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](const error_code& ec, size_t) {
      if (self->closed_) return;
      if (ec) {
        if (ec == websocket::error::message_too_big) self->events_.on_oversize(*self);
        return self->close(describe(ec));
      }
      self->last_heard_ = Clock::now();
      const ByteSpan frame(static_cast<const uint8_t*>(self->buffer_.cdata().data()), self->buffer_.size());
      self->events_.on_frame(*self, frame, self->ws_.got_text());
      self->buffer_.consume(self->buffer_.size());
      if (!self->closed_) self->read();
    });
  }

  void write_next() {
    if (!open_ || closed_) return;
    std::optional<SendQueue::Batching> batching;
    if (established_ && alone_ == 0)
      batching = SendQueue::Batching{kBatchFrameBytes, std::min<uint64_t>(kBatchBytes, limits_.max_frame_bytes)};
    std::vector<SendQueue::Frame> frames = queue_.next(batching);
    if (frames.empty()) return;
    alone_ -= std::min<size_t>(alone_, frames.size());
    SendQueue::Frame out = frames.front();
    if (frames.size() > 1) {
      std::vector<ByteSpan> spans;
      for (const auto& f : frames) spans.emplace_back(*f);
      out = std::make_shared<const Bytes>(seal_batch(spans));
    }
    // The handler owns the bytes: the queue no longer does, and the write reads from them.
    ws_.async_write(asio::buffer(*out), [self = shared_from_this(), out, n = frames.size()](const error_code& ec, size_t) {
      self->queue_.written();
      self->queued_ = self->queue_.bytes();
      if (self->closed_) return;
      if (ec) return self->close(describe(ec));
      self->events_.on_written(out->size(), n);
      self->write_next();
    });
  }

  void keep_alive() {
    ping_timer_.expires_after(limits_.ping_interval);
    ping_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->closed_) return;
      if (Clock::now() - self->last_heard_ >= 3 * self->limits_.ping_interval)
        return self->close("silent for three ping intervals");
      if (!self->pinging_) {
        self->pinging_ = true;
        self->ws_.async_ping({}, [self](const error_code& ec) {
          self->pinging_ = false;
          if (ec && !self->closed_) self->close(describe(ec));
        });
      }
      self->keep_alive();
    });
  }

  websocket::stream<tcp::socket> ws_;
  const bool outbound_;
  const std::string host_;
  const tcp::resolver::results_type endpoints_;
  const Limits limits_;
  const Events events_;
  SendQueue queue_;
  std::atomic<uint64_t> queued_{0};
  boost::beast::flat_buffer buffer_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer ping_timer_;
  tcp::endpoint remote_;
  Clock::time_point last_heard_ = Clock::now();
  bool open_ = false;
  bool closed_ = false;
  bool established_ = false;
  size_t alone_ = 0;  // frames still to write one by one
  bool pinging_ = false;
};

}  // namespace

std::shared_ptr<Session> Session::accepted(tcp::socket socket, const Limits& limits, Events events) {
  return std::make_shared<WsSession>(std::move(socket), false, std::string(), tcp::resolver::results_type(), limits,
                                     std::move(events));
}

std::shared_ptr<Session> Session::dialled(boost::asio::io_context& io, tcp::resolver::results_type endpoints,
                                          std::string host, const Limits& limits, Events events) {
  return std::make_shared<WsSession>(tcp::socket(io), true, std::move(host), std::move(endpoints), limits,
                                     std::move(events));
}

}  // namespace ghost::p2p
