#include "node/rpc/http_session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>

#include "node/log/log.h"
#include "node/rpc/target.h"
#include "node/rpc/ws_session.h"

namespace ghost::rpc {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Headers = std::initializer_list<std::pair<http::field, std::string_view>>;

constexpr size_t kReadChunk = 16 << 10;  // the read buffer holds a full header and this much more
constexpr auto kMaxLinger = std::chrono::seconds(1);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kNoRoute = "none";  // the route label of answers no handler gave

class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<ServerState> state)
      : state_(std::move(state)),
        executor_(socket.get_executor()),
        stream_(std::move(socket)),
        buffer_(state_->config.max_header_bytes + kReadChunk) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : peer.address().to_string();
  }
  ~HttpSession() override { state_->connections.remove(*this); }

  void start() {
    state_->connections.add(shared_from_this());
    asio::dispatch(executor_, [self = shared_from_this()] { self->read_header(); });
  }

  void close() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (!self->upgraded_) self->stream_.close();
    });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(std::min<uint64_t>(state_->config.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(state_->config.max_body_bytes);  // Content-Length is checked before the body is read
    stream_.expires_after(state_->request_timeout());    // one deadline for the whole request: no slowloris
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    if (ec) return on_read_error(ec);
    if (!parser_->is_done() && beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
        if (!ec) self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_request, shared_from_this()));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return reject(Rejected::kHeaderSize, error(431, "header_too_large",
                                                 "request header over " + std::to_string(state_->config.max_header_bytes) + " bytes"));
    if (ec == http::error::body_limit)
      return reject(Rejected::kBodySize,
                    error(413, "body_too_large", "request body over " + std::to_string(state_->config.max_body_bytes) + " bytes"));
    if (ec == beast::error::timeout) {
      if (!parser_->got_some()) return;  // an idle keep-alive connection, closed as it should be
      state_->metrics.rejected(Rejected::kTimeout);
      log::debug("rpc", "request not received in time, connection closed", {{"remote", remote_}});
      return;
    }
    const bool malformed = ec.category() == http::make_error_code(http::error::bad_method).category() &&
                           ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (malformed) return reject(Rejected::kMalformed, error(400, "malformed_request", ec.message()));
    // Otherwise the client went away (or stop() closed the socket): the session ends here.
  }

  void on_request(beast::error_code ec, size_t) {
    if (ec) return on_read_error(ec);
    stream_.expires_never();  // until the answer is written: a handler may take its time
    handle(parser_->release());
  }

  void handle(http::request<http::string_body> req) {
    if (state_->stopped) return stream_.close();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    if (!state_->limiter.allow(remote_)) {
      state_->metrics.rejected(Rejected::kRate);
      return send(kNoRoute, error(429, "rate_limited", "too many requests from this address"), !keep_alive_,
                  {{http::field::retry_after, "1"}});
    }
    auto target = parse_target(req.target());
    if (!target) {
      state_->metrics.rejected(Rejected::kTarget);
      return send(kNoRoute, error(400, "bad_target", target.error().message), !keep_alive_);
    }
    if (beast::websocket::is_upgrade(req)) {
      if (target->path != kSubscribePath) return send(kNoRoute, error(404, "not_found", "no WebSocket endpoint here"), true);
      upgraded_ = true;  // the subscriber session owns the socket and its own place among the connections
      state_->connections.remove(*this);
      return serve_subscriber(std::move(stream_), std::move(req), state_, remote_);
    }
    auto match = state_->router.match(req.method(), target->path);
    if (auto* missed = std::get_if<Router::Missed>(&match)) {
      if (!missed->allow.empty())
        return send(kNoRoute, error(405, "method_not_allowed", "allowed: " + missed->allow), !keep_alive_,
                    {{http::field::allow, missed->allow}});
      if (target->path == kSubscribePath)
        return send(kNoRoute, error(426, "upgrade_required", "/subscribe is a WebSocket endpoint"), !keep_alive_,
                    {{http::field::upgrade, "websocket"}});
      return send(kNoRoute, error(404, "not_found", "no route for " + target->path), !keep_alive_);
    }
    const auto& found = std::get<Router::Found>(match);
    route_ = found.pattern;
    awaiting_ = ++requests_;
    const Request request{req.method(), std::move(target->path), std::move(target->query), std::move(req.body()),
                          remote_};
    found.handler(request, found.param, [self = shared_from_this(), ex = executor_, seq = awaiting_](Response r) {
      asio::post(ex, [self, seq, r = std::move(r)]() mutable { self->on_reply(seq, std::move(r)); });
    });
  }

  void on_reply(uint64_t seq, Response r) {
    if (seq != awaiting_) return;  // a second reply to one request
    awaiting_ = 0;
    send(route_, std::move(r), !keep_alive_);
  }

  void reject(Rejected reason, Response r) {
    state_->metrics.rejected(reason);
    log::debug("rpc", "request refused", {{"remote", remote_}, {"status", r.status}});
    send(kNoRoute, std::move(r), true);
  }

  void send(std::string_view route, Response r, bool close, Headers extra = {}) {
    state_->metrics.request(route, r.status);
    response_ = {};
    response_.version(version_);
    response_.result(r.status);
    response_.set(http::field::server, "ghostd");
    response_.set(http::field::content_type, r.content_type);
    for (const auto& [field, value] : extra) response_.set(field, value);
    for (const auto& [field, value] : r.headers) response_.set(field, value);
    response_.keep_alive(!close);
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    stream_.expires_after(state_->request_timeout());  // a client that does not read its answer
    http::async_write(stream_, response_, [self = shared_from_this(), close](beast::error_code ec, size_t) {
      if (ec) return;
      if (close) return self->linger();
      self->read_header();
    });
  }

  // Half-closes, then reads and drops what the client still sends (say a body that was
  // refused) until it closes or kMaxLinger passes: closing on unread data would reset the
  // connection, and the client could lose the answer.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::milliseconds>(kMaxLinger, state_->request_timeout()));
    drain();
  }

  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  const std::shared_ptr<ServerState> state_;
  const asio::any_io_executor executor_;  // the connection's strand; outlives a move of stream_
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string remote_;
  std::string route_;         // the pattern of the request being answered
  uint64_t requests_ = 0;     // requests handed to handlers so far
  uint64_t awaiting_ = 0;     // the one whose reply is awaited; 0 when none
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool upgraded_ = false;
};

}  // namespace

void serve_http(tcp::socket socket, std::shared_ptr<ServerState> state) {
  std::make_shared<HttpSession>(std::move(socket), std::move(state))->start();
}

}  // namespace ghost::rpc
