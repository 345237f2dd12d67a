#include "node/chain/durable_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ghost::node {

namespace {
std::string err(const std::string& what, const std::filesystem::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

Result<void> write_all(int fd, ByteSpan data, const std::filesystem::path& p) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(err("write", p));
    done += size_t(n);
  }
  return {};
}
}  // namespace

Result<std::unique_ptr<DurableDir>> DurableDir::open(std::filesystem::path dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("creating " + dir.string() + ": " + ec.message());
  return std::unique_ptr<DurableDir>(new DurableDir(std::move(dir)));
}

DurableDir::~DurableDir() {
  for (auto& [name, fd] : append_fds_) ::close(fd);
}

Result<std::filesystem::path> DurableDir::path_of(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name.starts_with("."))
    return fail("bad durable file name '" + name + "'");
  return dir_ / name;
}

Result<void> DurableDir::sync_dir() {
  int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return fail(err("open", dir_));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(err("fsync", dir_));
  return {};
}

void DurableDir::close_append(const std::string& name) {
  auto it = append_fds_.find(name);
  if (it == append_fds_.end()) return;
  ::close(it->second);
  append_fds_.erase(it);
}

Result<std::optional<Bytes>> DurableDir::read(const std::string& name) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  int fd = ::open(p->c_str(), O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Bytes>{};
    return fail(err("open", *p));
  }
  Bytes out;
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return fail(err("read", *p));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return std::optional<Bytes>{std::move(out)};
}

Result<void> DurableDir::write_atomic(const std::string& name, ByteSpan data) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  close_append(name);
  std::filesystem::path tmp = dir_ / ("." + name + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(err("open", tmp));
  auto w = write_all(fd, data, tmp);
  if (w && ::fsync(fd) != 0) w = fail(err("fsync", tmp));
  ::close(fd);
  if (!w) return w;
  if (::rename(tmp.c_str(), p->c_str()) != 0) return fail(err("rename to", *p));
  return sync_dir();
}

Result<void> DurableDir::append(const std::string& name, ByteSpan data) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  auto it = append_fds_.find(name);
  if (it == append_fds_.end()) {
    bool existed = std::filesystem::exists(*p);
    int fd = ::open(p->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return fail(err("open", *p));
    it = append_fds_.emplace(name, fd).first;
    if (!existed)
      if (auto s = sync_dir(); !s) return s;
  }
  return write_all(it->second, data, *p);
}

Result<void> DurableDir::sync(const std::string& name) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  auto it = append_fds_.find(name);
  if (it == append_fds_.end()) return {};  // nothing appended since the last durable point
  if (::fdatasync(it->second) != 0) return fail(err("fdatasync", *p));
  return {};
}

Result<void> DurableDir::truncate(const std::string& name, uint64_t size) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  close_append(name);
  int fd = ::open(p->c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(err("open", *p));
  int rc = ::ftruncate(fd, off_t(size));
  if (rc == 0) rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(err("truncate", *p));
  return {};
}

}  // namespace ghost::node
