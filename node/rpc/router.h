// Which handler serves a request: patterns are exact paths or prefixes ending in '/' (the
// root "/" is exact), each registered per method; for a method the longest matching pattern
// wins.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "node/rpc/server.h"

namespace ghost::rpc {

class Router {
 public:
  // Throws invalid_argument for a pattern that does not start with '/' or is already
  // registered for `method` (programming errors).
  void add(boost::beast::http::verb method, std::string pattern, Handler handler);

  struct Found {
    const Handler& handler;
    const std::string& pattern;
    std::string param;  // the path after a prefix pattern; empty for an exact one
  };
  // No pattern for this method: `allow` lists the methods the path has ("GET, POST"),
  // empty when no pattern matches the path at all.
  struct Missed {
    std::string allow;
  };
  std::variant<Found, Missed> match(boost::beast::http::verb method, std::string_view path) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::string pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace ghost::rpc
