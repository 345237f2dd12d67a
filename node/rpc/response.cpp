#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "node/rpc/server.h"

namespace ghost::rpc {

Response error(unsigned status, std::string_view code, std::string_view message) {
  using boost::json::string_view;
  const boost::json::value body = {{"error", {{"code", string_view(code)}, {"message", string_view(message)}}}};
  return Response{status, "application/json", boost::json::serialize(body)};
}

Response json(std::string body, unsigned status) { return Response{status, "application/json", std::move(body)}; }

}  // namespace ghost::rpc
