#include "ml/serve/ghost_file_io.h"

#include <fstream>
#include <iterator>
#include <string>

#include "proto/decode.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

}  // namespace

pb::GhostFile ghost_file_of(const Model& model, const GhostFileMeta& meta) {
  return make_ghost_file(model.name(), model.layers(), model.store().roots(), meta);
}

Result<void> save_ghost_file(const std::filesystem::path& path, const pb::GhostFile& file) {
  if (auto v = validate_ghost_file(file); !v) return fail("refusing to save an invalid ghost file: " + v.error().message);
  const Bytes bytes = pb::encode(file);
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out.flush()) return fail("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail("cannot write " + path.string() + ": " + ec.message());
  return {};
}

Result<pb::GhostFile> load_ghost_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail("cannot read " + path.string() + ": " + ec.message());
  if (size > kMaxGhostFileBytes)
    return fail(path.string() + " is " + num(size) + " bytes, larger than any ghost file (" + num(kMaxGhostFileBytes) + ")");
  std::ifstream in(path, std::ios::binary);
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.eof() && in.fail()) return fail("cannot read " + path.string());
  auto g = decode_ghost_file(bytes);
  if (!g) return fail(path.string() + ": " + g.error().message);
  return g;
}

}  // namespace ghost::ml
