// The explorer's files (node/explorer/*.html, *.css, *.js) as compiled into the binary by
// embed.cmake, so the page needs nothing beside the node.
#pragma once

#include <span>
#include <string_view>

namespace ghost::explorer {

struct File {
  std::string_view name;   // "index.html"
  std::string_view bytes;
};

// Every file, in name order (defined in the generated explorer_files.cpp).
std::span<const File> files();

}  // namespace ghost::explorer
