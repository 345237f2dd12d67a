#include "ml/serve/ghost_file_io.h"

#include <string>

#include "base/file.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

}  // namespace

pb::GhostFile ghost_file_of(const Model& model, const GhostFileMeta& meta) {
  return make_ghost_file(model.name(), model.layers(), model.store().roots(), meta);
}

Result<void> save_ghost_file(const std::filesystem::path& path, const pb::GhostFile& file) {
  if (auto v = validate_ghost_file(file); !v) return fail(v.error(), "refusing to save an invalid ghost file: ");
  if (auto w = write_file_atomic(path, pb::encode(file)); !w) return fail(w.error(), "cannot save ghost file: ");
  return {};
}

Result<pb::GhostFile> load_ghost_file(const std::filesystem::path& path) {
  auto bytes = read_file(path, kMaxGhostFileBytes);
  if (!bytes && bytes.error().code == Errc::kTooLarge)
    return fail(Errc::kTooLarge, path.string() + " is larger than any ghost file (" + num(kMaxGhostFileBytes) + " bytes)");
  if (!bytes) return std::unexpected(bytes.error());
  auto g = decode_ghost_file(*bytes);
  if (!g) return fail(g.error(), path.string() + ": ");
  return g;
}

}  // namespace ghost::ml
