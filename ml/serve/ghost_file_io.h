// A model's own ghost file, and `.ghost` files on disk (the binary protobuf of a GhostFile).
#pragma once

#include <filesystem>

#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/serve/model.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// The ghost file of a model at its current roots.
pb::GhostFile ghost_file_of(const Model& model, const GhostFileMeta& meta = {});

// Writes a validated ghost file (via a temporary file and a rename).
Result<void> save_ghost_file(const std::filesystem::path& path, const pb::GhostFile& file);
// Reads, decodes and validates one (fails on a file larger than any ghost file).
Result<pb::GhostFile> load_ghost_file(const std::filesystem::path& path);

}  // namespace ghost::ml
