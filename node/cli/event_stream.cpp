#include "node/cli/event_stream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <thread>

#include "node/cli/node_client.h"

namespace ghost::cli {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace json = boost::json;

struct EventStream::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buf;
  bool reading = false, got = false, broken = false;

  // Runs the context until `done` or the deadline; false on a timeout.
  template <class Done>
  bool run_until(std::chrono::milliseconds timeout, Done done) {
    io.restart();
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < end)
      if (io.run_one_until(end) == 0) break;
    return done();
  }

  void read() {
    reading = true;
    ws.async_read(buf, [this](beast::error_code ec, size_t) {
      reading = false;
      buf.consume(buf.size());
      if (ec) broken = true;
      else got = true;
    });
  }
};

EventStream::EventStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventStream::~EventStream() {
  if (!impl_) return;
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

std::unique_ptr<EventStream> EventStream::open(const NodeClient& node, const std::vector<std::string>& topics,
                                               std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  bool done = false, ok = false;
  asio::ip::tcp::resolver resolver(s.io);
  json::array list;
  for (const auto& t : topics) list.emplace_back(t);
  const std::string hello = json::serialize(json::object{{"subscribe", std::move(list)}});
  beast::get_lowest_layer(s.ws).expires_after(timeout);
  resolver.async_resolve(node.host(), node.port(), [&](beast::error_code ec, asio::ip::tcp::resolver::results_type found) {
    if (ec) return void(done = true);
    beast::get_lowest_layer(s.ws).async_connect(found, [&](beast::error_code ec, auto) {
      if (ec) return void(done = true);
      s.ws.async_handshake(node.host(), "/subscribe", [&](beast::error_code ec) {
        if (ec) return void(done = true);
        s.ws.text(true);
        s.ws.async_write(asio::buffer(hello), [&](beast::error_code ec, size_t) {
          if (ec) return void(done = true);
          s.ws.async_read(s.buf, [&](beast::error_code ec, size_t) {  // {"subscribed": [...]}
            const std::string reply = beast::buffers_to_string(s.buf.data());
            s.buf.consume(s.buf.size());
            ok = !ec && reply.find("\"subscribed\"") != std::string::npos;
            done = true;
          });
        });
      });
    });
  });
  s.run_until(timeout, [&] { return done; });
  if (!ok) return nullptr;
  beast::get_lowest_layer(s.ws).expires_never();
  return std::unique_ptr<EventStream>(new EventStream(std::move(impl)));
}

bool EventStream::wait(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (s.broken) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  if (!s.reading) s.read();
  s.run_until(timeout, [&] { return s.got || s.broken; });
  const bool got = s.got;
  s.got = false;
  return got;
}

}  // namespace ghost::cli
