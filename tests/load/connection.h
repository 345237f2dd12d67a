// One keep-alive HTTP/1.1 connection to a node's API (Boost.Beast, blocking), reconnecting
// when the node closes it. What a load generator needs and no more.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>

namespace ghost::load {

class Connection {
 public:
  explicit Connection(const std::string& url);  // http://host:port

  struct Reply {
    unsigned status = 0;  // 0: the node could not be reached
    std::string body;
  };
  Reply get(const std::string& target);
  Reply post(const std::string& target, const std::string& body, const char* content_type);
  boost::json::value get_json(const std::string& target);  // null unless 200

 private:
  Reply send(bool post, const std::string& target, const std::string& body, const char* content_type);
  std::string host_, port_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;
};

}  // namespace ghost::load
