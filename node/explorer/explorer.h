// The explorer page: GET / serves index.html and GET /explorer/<name> each of its files
// (files.h), with headers that let the page load nothing but the node's own files and talk
// to nothing but the node (its GET routes and /subscribe). Read-only: it adds no route that
// changes state.
#pragma once

#include <string_view>

#include "node/rpc/server.h"

namespace ghost::explorer {

// The response for one file, or 404 when there is no file of that name.
rpc::Response serve(std::string_view name);

// Registers the routes above on `server` (before it starts).
void add_routes(rpc::Server& server);

}  // namespace ghost::explorer
