// The node's HTTP server (Boost.Beast): routes to handlers the node registers, JSON errors,
// limits (connections, header and body size, per-client request rate, slow clients), and
// the WebSocket endpoint /subscribe that streams published events. Binds loopback unless
// configured otherwise.
//
// Threads: sockets live on the io_context passed in (the node's network thread); handlers
// are called there and may answer later from any thread (e.g. after a query on the core
// thread). publish() is thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "node/metrics/metrics.h"

namespace ghost::rpc {

struct Config {
  std::string listen = "127.0.0.1:26657";  // port 0 picks a free one
  uint32_t max_connections = 256;           // HTTP and WebSocket together; more are closed at once
  uint64_t max_header_bytes = 8u << 10;
  uint64_t max_body_bytes = (2u << 20) + (4u << 10);  // a 1 MiB tx, hex-encoded, in its JSON wrapper
  double requests_per_second = 200;         // per client address (token bucket) ...
  double burst = 400;                       // ... with this many in reserve
  uint64_t request_timeout_ms = 10000;      // a request not fully read by then closes the socket
  uint64_t subscriber_queue_bytes = 4u << 20;  // a subscriber that falls further behind is dropped
};

struct Request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string path;                          // decoded, without the query
  std::map<std::string, std::string> query;  // decoded ?k=v&...
  std::string body;
  std::string remote;                        // client address
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};  // besides Content-Type: (name, value)
};

// Called exactly once per request, from any thread, while the io_context exists (a second
// call, or a reply to a connection that has closed, is dropped).
using Reply = std::function<void(Response)>;
// `param` is the rest of the path after a prefix route ("/blocks/" + "12" -> "12").
using Handler = std::function<void(const Request& request, const std::string& param, Reply reply)>;

// {"error": {"code": code, "message": message}} with `status`.
Response error(unsigned status, std::string_view code, std::string_view message);
Response json(std::string body, unsigned status = 200);

class Server {
 public:
  Server(boost::asio::io_context& io, Config config, metrics::Registry& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `pattern` is an exact path ("/status", "/") or a prefix ending in '/' ("/blocks/"), matched
  // for one method; the longest match wins. Unknown paths get 404, a known path with another
  // method 405. Register before start().
  void route(boost::beast::http::verb method, std::string pattern, Handler handler);

  // Binds (kIo with the reason when the address is taken) and accepts connections.
  Result<void> start();
  void stop();  // closes every connection; safe to call twice
  uint16_t port() const;

  // WebSocket /subscribe: a client sends {"subscribe": ["blocks", "account:ADDR", ...]} and
  // receives {"topic": T, "data": ...} for every event published on a topic it named.
  void publish(const std::string& topic, const std::string& data_json);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ghost::rpc
