#include "tests/conformance/trace_source.h"

#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

namespace ghost::mbt {

namespace {

bool is_trace_name(const std::string& name) { return name.ends_with(".itf.json"); }

// A ustar stream: 512-byte headers, each member's data padded to 512 bytes.
class TarReader {
 public:
  explicit TarReader(const std::function<Result<void>(const Trace&)>& f) : f_(f) {}

  Result<void> feed(std::string_view chunk) {
    buf_.append(chunk);
    size_t pos = 0;
    while (buf_.size() - pos >= 512) {
      std::string_view h(buf_.data() + pos, 512);
      if (h.find_first_not_of('\0') == std::string_view::npos) {  // end-of-archive blocks
        pos += 512;
        continue;
      }
      uint64_t size = 0;
      for (char c : h.substr(124, 12)) {
        if (c < '0' || c > '7') break;
        size = size * 8 + uint64_t(c - '0');
      }
      uint64_t padded = (size + 511) / 512 * 512;
      if (buf_.size() - pos < 512 + padded) break;  // the member is not all here yet
      std::string name(h.substr(0, 100).data(), std::min<size_t>(100, h.substr(0, 100).find('\0')));
      std::string prefix(h.substr(345, 155).data(), std::min<size_t>(155, h.substr(345, 155).find('\0')));
      if (!prefix.empty()) name = prefix + "/" + name;
      char type = h[156];
      if ((type == '0' || type == '\0') && is_trace_name(name)) {
        auto t = parse_itf(std::filesystem::path(name).filename().string(), std::string_view(buf_.data() + pos + 512, size));
        if (!t) return std::unexpected(t.error());
        if (auto r = f_(*t); !r) return r;
        ++members_;
      }
      pos += 512 + padded;
    }
    buf_.erase(0, pos);
    return {};
  }
  size_t members() const { return members_; }

 private:
  const std::function<Result<void>(const Trace&)>& f_;
  std::string buf_;
  size_t members_ = 0;
};

Result<void> for_each_in_archive(const std::string& path, const std::function<Result<void>(const Trace&)>& f) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kIo, "cannot open " + path);
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> z(ZSTD_createDStream(), ZSTD_freeDStream);
  ZSTD_initDStream(z.get());
  TarReader tar(f);
  std::string inbuf(ZSTD_DStreamInSize(), '\0'), outbuf(ZSTD_DStreamOutSize(), '\0');
  size_t last = 0;
  while (in) {
    in.read(inbuf.data(), std::streamsize(inbuf.size()));
    ZSTD_inBuffer zin{inbuf.data(), size_t(in.gcount()), 0};
    while (zin.pos < zin.size) {
      ZSTD_outBuffer zout{outbuf.data(), outbuf.size(), 0};
      last = ZSTD_decompressStream(z.get(), &zout, &zin);
      if (ZSTD_isError(last)) return fail(path + ": " + ZSTD_getErrorName(last));
      if (auto r = tar.feed(std::string_view(outbuf.data(), zout.pos)); !r) return r;
    }
  }
  if (last != 0) return fail(path + ": truncated zstd stream");
  if (tar.members() == 0) return fail(path + ": no *.itf.json trace in the archive");
  return {};
}

}  // namespace

Result<void> for_each_trace(const std::string& path, const std::function<Result<void>(const Trace&)>& f) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && is_trace_name(e.path().filename().string())) files.push_back(e.path().string());
    if (ec) return fail(Errc::kIo, path + ": " + ec.message());
    if (files.empty()) return fail(path + ": no *.itf.json trace in the folder");
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto t = read_itf(file);
      if (!t) return std::unexpected(t.error());
      if (auto r = f(*t); !r) return r;
    }
    return {};
  }
  if (path.ends_with(".tar.zst")) return for_each_in_archive(path, f);
  auto t = read_itf(path);
  if (!t) return std::unexpected(t.error());
  return f(*t);
}

}  // namespace ghost::mbt
