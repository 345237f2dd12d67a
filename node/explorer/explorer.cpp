#include "node/explorer/explorer.h"

#include <algorithm>

#include "node/explorer/files.h"

namespace ghost::explorer {
namespace {

// Only the node's own files and connections to the node itself ('self' covers ws: to the
// same host and port); no inline script or style, no frames, no forms elsewhere.
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string_view content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

rpc::Response serve(std::string_view name) {
  const auto all = files();
  const auto it = std::ranges::find(all, name, &File::name);
  if (it == all.end()) return rpc::error(404, "not_found", "no explorer file " + std::string(name));
  rpc::Response r{200, std::string(content_type(name)), std::string(it->bytes)};
  r.headers = {{"Content-Security-Policy", std::string(kPolicy)},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               // A new binary may ship a new page: the browser asks again rather than reuse an old one.
               {"Cache-Control", "no-cache"}};
  return r;
}

void add_routes(rpc::Server& server) {
  using boost::beast::http::verb;
  server.route(verb::get, "/", [](const rpc::Request&, const std::string&, rpc::Reply reply) {
    reply(serve("index.html"));
  });
  for (const auto& f : files())
    server.route(verb::get, "/explorer/" + std::string(f.name),
                 [name = f.name](const rpc::Request&, const std::string&, rpc::Reply reply) { reply(serve(name)); });
}

}  // namespace ghost::explorer
