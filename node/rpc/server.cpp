#include "node/rpc/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <stdexcept>

#include "node/log/log.h"
#include "node/rpc/http_session.h"
#include "node/rpc/listen_address.h"
#include "node/rpc/state.h"

namespace ghost::rpc {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kAcceptRetry = std::chrono::milliseconds(100);  // after an accept error such as EMFILE

// What a connection over the cap gets before it is closed: written without waiting.
std::string busy_answer() {
  const Response r = error(503, "too_many_connections", "the server is at its connection limit");
  return "HTTP/1.1 503 Service Unavailable\r\nServer: ghostd\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" + r.body;
}

}  // namespace

class Server::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, Config config, metrics::Registry& registry)
      : io_(io),
        state_(std::make_shared<ServerState>(std::move(config), registry)),
        acceptor_(asio::make_strand(io)),
        retry_(acceptor_.get_executor()),
        busy_(busy_answer()) {}

  void route(boost::beast::http::verb method, std::string pattern, Handler handler) {
    if (started_) throw std::logic_error("rpc::Server::route after start");
    state_->router.add(method, std::move(pattern), std::move(handler));
  }

  Result<void> start() {
    if (started_) throw std::logic_error("rpc::Server::start called twice");
    auto endpoint = parse_listen(state_->config.listen);
    if (!endpoint) return std::unexpected(endpoint.error());
    boost::system::error_code ec;
    acceptor_.open(endpoint->protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(*endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return fail(Errc::kIo, "rpc: cannot listen on " + state_->config.listen + ": " + ec.message());
    }
    started_ = true;
    log::info("rpc", "listening", {{"address", endpoint->address().to_string()}, {"port", port_}});
    accept();
    return {};
  }

  void stop() {
    if (state_->stopped.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
    state_->connections.close_all();
    if (started_) log::info("rpc", "stopped");
  }

  uint16_t port() const { return port_; }
  void publish(const std::string& topic, const std::string& data_json) { state_->hub.publish(topic, data_json); }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](boost::system::error_code ec,
                                                                                tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (state_->stopped) return;
    if (ec) {
      log::warn("rpc", "accept failed", {{"error", ec.message()}});
      retry_.expires_after(kAcceptRetry);
      retry_.async_wait([self = shared_from_this()](boost::system::error_code e) {
        if (!e) self->accept();
      });
      return;
    }
    if (state_->connections.size() >= state_->config.max_connections) refuse(std::move(socket));
    else serve_http(std::move(socket), state_);
    accept();
  }

  void refuse(tcp::socket socket) {
    state_->metrics.rejected(Rejected::kConnections);
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(busy_), ignored);  // best effort, never waits
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  asio::io_context& io_;
  const std::shared_ptr<ServerState> state_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  const std::string busy_;
  uint16_t port_ = 0;
  bool started_ = false;
};

Server::Server(boost::asio::io_context& io, Config config, metrics::Registry& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(config), metrics)) {}

Server::~Server() { impl_->stop(); }

void Server::route(boost::beast::http::verb method, std::string pattern, Handler handler) {
  impl_->route(method, std::move(pattern), std::move(handler));
}

Result<void> Server::start() { return impl_->start(); }
void Server::stop() { impl_->stop(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::publish(const std::string& topic, const std::string& data_json) { impl_->publish(topic, data_json); }

}  // namespace ghost::rpc
