#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ghost {
namespace {

std::unexpected<Error> os_error(const std::string& what, const std::filesystem::path& p, int err = errno) {
  return fail(err == ENOENT ? Errc::kNotFound : Errc::kIo, what + " " + p.string() + ": " + std::strerror(err));
}

std::filesystem::path dir_of(const std::filesystem::path& p) {
  return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}

Result<void> sync_fd_of(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", p);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_error("cannot fsync", p, err);
  return {};
}

}  // namespace

Result<void> write_all(int fd, ByteSpan data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::kIo, std::strerror(errno));
    data = data.subspan(size_t(n));
  }
  return {};
}

Result<void> pwrite_all(int fd, ByteSpan data, uint64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), off_t(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(Errc::kIo, n < 0 ? std::strerror(errno) : "wrote nothing");
    data = data.subspan(size_t(n));
    offset += uint64_t(n);
  }
  return {};
}

Result<void> pread_all(int fd, std::span<uint8_t> out, uint64_t offset) {
  while (!out.empty()) {
    ssize_t n = ::pread(fd, out.data(), out.size(), off_t(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::kIo, std::strerror(errno));
    if (n == 0) return fail(Errc::kCorrupt, "the file ends " + std::to_string(out.size()) + " bytes early");
    out = out.subspan(size_t(n));
    offset += uint64_t(n);
  }
  return {};
}

Result<Bytes> read_file(const std::filesystem::path& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  Bytes out;
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return os_error("cannot read", path, err);
    }
    if (n == 0) break;
    if (out.size() + size_t(n) > max_bytes) {
      ::close(fd);
      return fail(Errc::kTooLarge, path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Result<void> sync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return os_error("cannot fsync directory", dir, err);
  return {};
}

Result<void> publish_file(const std::filesystem::path& tmp, const std::filesystem::path& path,
                          const FileOptions& options) {
  auto abandon = [&](std::unexpected<Error> e) {
    ::unlink(tmp.c_str());
    return e;
  };
  if (::chmod(tmp.c_str(), options.mode) != 0) return abandon(os_error("cannot chmod", tmp));
  if (auto s = sync_fd_of(tmp); !s) return abandon(std::unexpected(s.error()));
  if (options.replace) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) return abandon(os_error("cannot rename to", path));
  } else {
    // link() fails with EEXIST instead of replacing, so a concurrent writer is never clobbered.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      if (errno == EEXIST)
        return abandon(fail(Errc::kExists, path.string() + " already exists; refusing to overwrite it"));
      return abandon(os_error("cannot create", path));
    }
    ::unlink(tmp.c_str());
  }
  return sync_dir(dir_of(path));
}

Result<void> write_file_atomic(const std::filesystem::path& path, ByteSpan data, const FileOptions& options) {
  std::string tmp = path.string() + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());  // a fresh name in the same directory, mode 0600
  if (fd < 0) return os_error("cannot create", std::filesystem::path(tmp));
  auto w = write_all(fd, data);
  ::close(fd);
  if (!w) {
    ::unlink(tmp.c_str());
    return fail(w.error(), "cannot write " + path.string() + ": ");
  }
  return publish_file(tmp, path, options);
}

}  // namespace ghost
