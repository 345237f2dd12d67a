// The request target of an HTTP request ("/path?key=value&..."), percent-decoded.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ghost::rpc {

struct Target {
  std::string path;                          // decoded
  std::map<std::string, std::string> query;  // decoded; '+' is a space in the query
};

// Origin form only ("/..."). kInvalid for a malformed %-escape, a control character in the
// decoded path, an empty query key or a key given twice (which one would count is ambiguous).
Result<Target> parse_target(std::string_view target);

}  // namespace ghost::rpc
