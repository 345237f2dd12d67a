#include "node/chain/durable_dir.h"

#include "base/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ghost::chain {

namespace {
std::unexpected<Error> os_error(const std::string& what, const std::filesystem::path& p) {
  return fail(Errc::kIo, what + " " + p.string() + ": " + std::strerror(errno));
}
}  // namespace

Result<std::unique_ptr<DurableDir>> DurableDir::open(std::filesystem::path dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
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

void DurableDir::close_append(const std::string& name) {
  auto it = append_fds_.find(name);
  if (it == append_fds_.end()) return;
  ::close(it->second);
  append_fds_.erase(it);
}

Result<std::optional<Bytes>> DurableDir::read(const std::string& name) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  auto data = read_file(*p);
  if (!data && data.error().code == Errc::kNotFound) return std::optional<Bytes>{};
  if (!data) return std::unexpected(data.error());
  return std::optional<Bytes>{std::move(*data)};
}

Result<void> DurableDir::write_atomic(const std::string& name, ByteSpan data) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  close_append(name);
  return write_file_atomic(*p, data, {.mode = 0600});
}

Result<void> DurableDir::append(const std::string& name, ByteSpan data) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  auto it = append_fds_.find(name);
  if (it == append_fds_.end()) {
    bool existed = std::filesystem::exists(*p);
    int fd = ::open(p->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return os_error("cannot open", *p);
    it = append_fds_.emplace(name, fd).first;
    if (!existed)
      if (auto s = sync_dir(dir_); !s) return s;
  }
  if (auto w = write_all(it->second, data); !w) return fail(w.error(), "cannot append to " + p->string() + ": ");
  return {};
}

Result<void> DurableDir::sync(const std::string& name) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  auto it = append_fds_.find(name);
  if (it == append_fds_.end()) return {};  // nothing appended since the last durable point
  if (::fdatasync(it->second) != 0) return os_error("cannot fdatasync", *p);
  return {};
}

Result<void> DurableDir::truncate(const std::string& name, uint64_t size) {
  auto p = path_of(name);
  if (!p) return std::unexpected(p.error());
  close_append(name);
  int fd = ::open(p->c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", *p);
  int rc = ::ftruncate(fd, off_t(size));
  if (rc == 0) rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return os_error("cannot truncate", *p);
  return {};
}

}  // namespace ghost::chain
