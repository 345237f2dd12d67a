// Where traces come from: one .itf.json file, every *.itf.json in a folder, or every such
// member of a .tar.zst archive (read as a stream: the shipped traces are ~180 MB unpacked).
#pragma once

#include <functional>
#include <string>

#include "tests/conformance/itf.h"

namespace ghost::mbt {

// Calls `f` with each trace, in name order for a folder and archive order for an archive;
// stops at the first error (of reading, parsing or `f`).
Result<void> for_each_trace(const std::string& path, const std::function<Result<void>(const Trace&)>& f);

}  // namespace ghost::mbt
