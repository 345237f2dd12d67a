// Clients for the server tests, over real sockets; every operation has a deadline (a missed
// one closes the connection and shows as an error), so no test can hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ghost::rpc::test {

using namespace std::chrono_literals;

struct HttpResult {
  std::string error;  // empty when a response arrived
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// One connection to 127.0.0.1:port, from `source` when given (another loopback address is
// another client to the rate limiter).
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, const std::string& source = "", std::chrono::milliseconds timeout = 5s);
  ~HttpClient();
  bool connected() const;

  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& target) { return request("GET", target); }
  bool send_raw(std::string_view bytes);
  HttpResult read_response();
  // True when the server closes the connection within `limit` (what it sends is dropped).
  bool closed_by_server(std::chrono::milliseconds limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A WebSocket connection to 127.0.0.1:port`target`. `receive_buffer` (bytes, 0 = the
// system's) shrinks the socket's buffer, for a subscriber that falls behind sooner.
class WsClient {
 public:
  explicit WsClient(uint16_t port, const std::string& target = "/subscribe", int receive_buffer = 0);
  ~WsClient();
  bool connected() const;  // the upgrade was accepted
  bool send(const std::string& text);
  std::optional<std::string> read(std::chrono::milliseconds limit = 5s);  // the next message
  bool closed_by_server(std::chrono::milliseconds limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghost::rpc::test
