#include "node/rpc/ws_session.h"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <deque>
#include <set>

#include "node/log/log.h"
#include "node/rpc/subscribe_message.h"

namespace ghost::rpc {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr size_t kMaxMessageBytes = 16 << 10;  // kMaxTopics topics of kMaxTopicBytes fit
constexpr int kMaxStrikes = 5;                 // bad messages before the connection is closed
constexpr uint64_t kEntryBytes = 128;          // what a queued message costs beside its text

class WsSession final : public Connection, public Subscriber, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream stream, http::request<http::string_body> upgrade, std::shared_ptr<ServerState> state,
            std::string remote)
      : state_(std::move(state)),
        executor_(stream.get_executor()),
        ws_(std::move(stream)),
        upgrade_(std::move(upgrade)),
        remote_(std::move(remote)) {
    state_->metrics.subscribers.add(1);
  }
  ~WsSession() override {
    unsubscribe_all();
    state_->connections.remove(*this);
    state_->metrics.subscribers.add(-1);
    state_->metrics.queued_bytes.add(-double(queued_.load()));
  }

  void start() {
    state_->connections.add(shared_from_this());
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket stream keeps its own timers
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = state_->request_timeout();
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "ghostd"); }));
    ws_.read_message_max(kMaxMessageBytes);
    ws_.text(true);
    ws_.async_accept(upgrade_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->drop();
      self->read();
    });
  }

  void close() override {
    asio::post(executor_, [self = shared_from_this()] { self->drop(); });
  }

  void deliver(std::shared_ptr<const std::string> message) override {
    if (closed_ || !reserve(*message)) return;
    asio::post(executor_, [self = shared_from_this(), m = std::move(message)]() mutable { self->push(std::move(m)); });
  }

 private:
  static uint64_t cost(const std::string& message) { return message.size() + kEntryBytes; }

  // Counts `message` against the queue bound; over it, the subscriber is dropped instead.
  bool reserve(const std::string& message) {
    const uint64_t c = cost(message);
    if (queued_.fetch_add(c) + c > state_->config.subscriber_queue_bytes) {
      queued_.fetch_sub(c);
      if (!overflowed_.exchange(true))
        asio::post(executor_, [self = shared_from_this()] { self->drop_slow(); });
      return false;
    }
    state_->metrics.queued_bytes.add(double(c));
    return true;
  }

  // Queues one of this session's own messages (an acknowledgement or an error), on the strand.
  void send_now(std::string text) {
    auto message = std::make_shared<const std::string>(std::move(text));
    if (reserve(*message)) push(std::move(message));
  }

  void push(std::shared_ptr<const std::string> message) {
    if (closed_ || closing_) return;  // what was counted is settled by the destructor
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) write_next();
  }

  void write_next() {
    ws_.async_write(asio::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_write(ec);
    });
  }

  void on_write(beast::error_code ec) {
    const uint64_t c = cost(*queue_.front());
    queue_.pop_front();
    queued_.fetch_sub(c);
    state_->metrics.queued_bytes.add(-double(c));
    if (ec) return drop();
    if (!queue_.empty()) return write_next();
    if (closing_) send_close();
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->drop();
      self->handle(beast::buffers_to_string(self->in_.data()));
      self->in_.consume(self->in_.size());
      self->read();
    });
  }

  void handle(const std::string& text) {
    if (closing_) return;
    if (!state_->limiter.allow(remote_)) return refuse("rate_limited", "too many messages from this address");
    auto topics = parse_subscribe(text);
    if (!topics) return refuse("bad_request", topics.error().message);
    const auto added = std::ranges::count_if(*topics, [&](const std::string& t) { return !topics_.contains(t); });
    if (topics_.size() + added > kMaxTopics)
      return refuse("too_many_topics", "at most " + std::to_string(kMaxTopics) + " topics per connection");
    for (const auto& t : *topics)
      if (topics_.insert(t).second) state_->hub.subscribe(t, shared_from_this());
    // Queued now, so ahead of every event published since the lines above (those are posted).
    boost::json::array list;
    for (const auto& t : topics_) list.emplace_back(t);
    send_now(boost::json::serialize(boost::json::object{{"subscribed", std::move(list)}}));
  }

  // Answers a bad message with an error; the kMaxStrikes-th closes the connection after it.
  void refuse(std::string_view code, std::string_view message) {
    send_now(error(400, code, message).body);
    if (++strikes_ < kMaxStrikes) return;
    state_->metrics.rejected(Rejected::kAbuse);
    log::info("rpc", "subscriber closed after repeated bad messages", {{"remote", remote_}});
    unsubscribe_all();
    closing_ = true;
    if (queue_.empty()) send_close();  // else once the queue is written (on_write)
  }

  void send_close() {
    ws_.async_close(websocket::close_code::policy_error, [self = shared_from_this()](beast::error_code) {
      self->drop();
    });
  }

  void drop_slow() {
    state_->metrics.rejected(Rejected::kSlowSubscriber);
    log::info("rpc", "subscriber dropped: too far behind", {{"remote", remote_}, {"queued_bytes", queued_.load()}});
    drop();
  }

  // Closes the socket at once; pending operations end with an error.
  void drop() {
    if (closed_.exchange(true)) return;
    unsubscribe_all();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void unsubscribe_all() {
    for (const auto& t : topics_) state_->hub.unsubscribe(t, *this);
    topics_.clear();
  }

  const std::shared_ptr<ServerState> state_;
  const asio::any_io_executor executor_;
  websocket::stream<beast::tcp_stream> ws_;
  http::request<http::string_body> upgrade_;
  const std::string remote_;
  beast::flat_buffer in_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // the front is being written
  std::set<std::string> topics_;
  std::atomic<uint64_t> queued_{0};  // bytes counted by reserve() and not yet written
  std::atomic<bool> closed_{false};
  std::atomic<bool> overflowed_{false};
  bool closing_ = false;  // a close frame follows the queue
  int strikes_ = 0;
};

}  // namespace

void serve_subscriber(beast::tcp_stream stream, http::request<http::string_body> upgrade,
                      std::shared_ptr<ServerState> state, std::string remote) {
  std::make_shared<WsSession>(std::move(stream), std::move(upgrade), std::move(state), std::move(remote))->start();
}

}  // namespace ghost::rpc
