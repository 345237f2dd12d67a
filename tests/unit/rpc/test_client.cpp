#include "tests/unit/rpc/test_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>

namespace ghost::rpc::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// The io_context of one test connection, and whether a deadline was missed (Beast closes the
// stream then, which must not pass for the server closing it).
struct Link {
  asio::io_context io;
  bool timed_out = false;

  // Runs one asynchronous operation until it ends; `stream`'s deadline bounds it.
  template <class Start>
  beast::error_code run(beast::tcp_stream& stream, std::chrono::milliseconds limit, Start start) {
    beast::error_code result = asio::error::would_block;
    stream.expires_after(limit);
    start([&](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    if (result == beast::error::timeout) timed_out = true;
    return result;
  }

  // Reads with `read_some(time left)` until the server closes the connection (true) or
  // `limit` passes (false).
  template <class ReadSome>
  bool closed_within(std::chrono::milliseconds limit, ReadSome read_some) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!timed_out) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      if (read_some(left)) return !timed_out;
    }
    return false;
  }

  // Opens `stream` (bound to `source` when given) and connects it to 127.0.0.1:port.
  bool connect(beast::tcp_stream& stream, uint16_t port, const std::string& source, int receive_buffer) {
    beast::error_code ec;
    auto& socket = stream.socket();
    socket.open(tcp::v4(), ec);
    if (!ec && receive_buffer > 0) socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
    if (!ec && !source.empty()) socket.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
    if (ec) return false;
    const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
    return !run(stream, 5s, [&](auto done) { stream.async_connect(server, done); });
  }
};

HttpResult failed(std::string_view what, beast::error_code ec) {
  HttpResult r;
  r.error = std::string(what) + ": " + ec.message();
  return r;
}

}  // namespace

struct HttpClient::Impl : Link {
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout{};
  bool connected = false;

  template <class Start>
  beast::error_code run(Start start) {
    return Link::run(stream, timeout, start);
  }
};

HttpClient::HttpClient(uint16_t port, const std::string& source, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  impl_->connected = impl_->connect(impl_->stream, port, source, 0);
}

HttpClient::~HttpClient() = default;
bool HttpClient::connected() const { return impl_->connected; }

HttpResult HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  auto ec = impl_->run([&](auto done) { http::async_write(impl_->stream, req, done); });
  if (ec) return failed("write", ec);
  return read_response();
}

bool HttpClient::send_raw(std::string_view bytes) {
  return !impl_->run([&](auto done) { asio::async_write(impl_->stream, asio::buffer(bytes), done); });
}

HttpResult HttpClient::read_response() {
  http::response<http::string_body> res;
  auto ec = impl_->run([&](auto done) { http::async_read(impl_->stream, impl_->buffer, res, done); });
  if (ec) return failed("read", ec);
  HttpResult out;
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  return out;
}

bool HttpClient::closed_by_server(std::chrono::milliseconds limit) {
  return impl_->closed_within(limit, [&](std::chrono::milliseconds left) {
    impl_->buffer.clear();
    return impl_->Link::run(impl_->stream, left, [&](auto done) {
      impl_->stream.async_read_some(impl_->buffer.prepare(4096), done);
    });
  });
}

struct WsClient::Impl : Link {
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(ws); }
  template <class Start>
  beast::error_code run(std::chrono::milliseconds limit, Start start) {
    return Link::run(tcp(), limit, start);
  }
};

WsClient::WsClient(uint16_t port, const std::string& target, int receive_buffer) : impl_(std::make_unique<Impl>()) {
  if (!impl_->connect(impl_->tcp(), port, "", receive_buffer)) return;
  impl_->connected = !impl_->run(5s, [&](auto done) { impl_->ws.async_handshake("127.0.0.1", target, done); });
}

WsClient::~WsClient() = default;
bool WsClient::connected() const { return impl_->connected; }

bool WsClient::send(const std::string& text) {
  return !impl_->run(5s, [&](auto done) { impl_->ws.async_write(asio::buffer(text), done); });
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds limit) {
  impl_->buffer.clear();
  if (impl_->run(limit, [&](auto done) { impl_->ws.async_read(impl_->buffer, done); })) return std::nullopt;
  return beast::buffers_to_string(impl_->buffer.data());
}

bool WsClient::closed_by_server(std::chrono::milliseconds limit) {
  return impl_->closed_within(limit, [&](std::chrono::milliseconds left) {
    impl_->buffer.clear();
    return impl_->run(left, [&](auto done) { impl_->ws.async_read(impl_->buffer, done); });
  });
}

}  // namespace ghost::rpc::test
