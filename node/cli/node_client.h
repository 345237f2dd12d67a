// The client's side of the node's HTTP API: one request at a time over Boost.Beast, JSON
// bodies, and failures turned into the exit codes of cli.h (an unreachable node is 3).
#pragma once

#include <google/protobuf/message.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

namespace ghost::cli {

// --node, else $GHOST_NODE, else the local testnet's first node.
std::string node_url(const std::string& flag);

class NodeClient {
 public:
  explicit NodeClient(const std::string& url);  // http://host:port; anything else is a usage error

  struct Reply {
    unsigned status = 0;
    boost::json::value body;  // the parsed JSON body (null when it was not JSON)
  };
  Reply get(const std::string& target, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  Reply post(const std::string& target, const std::string& json_body,
             std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // GET that must answer 200; any other answer fails with the API's error message.
  boost::json::value fetch(const std::string& target) const;

  const std::string& url() const { return url_; }
  const std::string& host() const { return host_; }
  const std::string& port() const { return port_; }

 private:
  Reply request(bool post, const std::string& target, const std::string& body, std::chrono::milliseconds timeout) const;
  std::string url_, host_, port_;
};

// A u64 of protobuf's JSON mapping (a string) or a plain JSON number.
uint64_t json_u64(const boost::json::value& v);

// A record the API printed in protobuf's JSON mapping, parsed back (the fields the node adds
// beside it, such as hex ids, are skipped); a body that does not parse fails kExitUnreachable.
void from_api_json(const boost::json::value& v, google::protobuf::Message& out, const std::string& what);

// "CODE: message" of an API error body, or the raw body.
std::string api_error(const NodeClient::Reply& r);

}  // namespace ghost::cli
