#include "ml/serve/store_snapshot.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <map>
#include <string>

namespace ghost::ml {

namespace fs = std::filesystem;

namespace {

bool is_table(const fs::path& p) { return p.extension() == ".ldb" || p.extension() == ".sst"; }

// What changes when the writer writes: the manifest it names and every file's size. Equal
// before and after the copy means the copy saw one state.
std::map<std::string, uintmax_t> fingerprint(const fs::path& dir, std::error_code& ec) {
  std::map<std::string, uintmax_t> f;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "LOCK" || name.starts_with("LOG")) continue;  // the lock and the text log
    f[name] = e.file_size(ec);
    if (ec) return {};
  }
  return f;
}

Result<void> copy_once(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  const auto before = fingerprint(from, ec);
  if (ec) return fail(Errc::kIo, "cannot list " + from.string() + ": " + ec.message());
  if (!before.contains("CURRENT")) return fail(Errc::kNotFound, from.string() + " holds no store");
  fs::create_directories(to, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + to.string() + ": " + ec.message());
  for (const auto& [name, size] : before) {
    const fs::path src = from / name, dst = to / name;
    if (is_table(src))
      fs::create_hard_link(src, dst, ec);
    else
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(Errc::kMismatch, "the store changed while it was copied (" + name + ": " + ec.message() + ")");
  }
  if (fingerprint(from, ec) != before || ec) return fail(Errc::kMismatch, "the store changed while it was copied");
  return {};
}

bool process_runs(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

void remove_stale(const fs::path& readers) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(readers, ec)) {
    const std::string name = e.path().filename().string();
    const pid_t pid = pid_t(std::strtol(name.c_str(), nullptr, 10));
    if (pid > 0 && !process_runs(pid)) fs::remove_all(e.path(), ec);
  }
}

}  // namespace

Result<StoreSnapshot> StoreSnapshot::take(const fs::path& db_dir) {
  static std::atomic<unsigned> counter{0};
  const fs::path readers = fs::path(db_dir.string() + ".readers");
  remove_stale(readers);
  Error last{Errc::kMismatch, ""};
  for (int attempt = 0; attempt < 20; ++attempt) {
    StoreSnapshot snap(readers / (std::to_string(::getpid()) + "-" + std::to_string(counter++)));
    auto r = copy_once(db_dir, snap.path());
    if (r) return snap;
    last = r.error();
    if (last.code != Errc::kMismatch) break;
  }
  return fail(last.code, "cannot take a read-only copy of " + db_dir.string() + ": " + last.message);
}

Result<void> copy_store(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (fs::exists(to, ec)) return fail(Errc::kExists, to.string() + " already exists");
  auto r = copy_once(from, to);
  if (!r) fs::remove_all(to, ec);
  return r;
}

StoreSnapshot::~StoreSnapshot() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  fs::remove(path_.parent_path(), ec);  // only if no other reader's copy is left
}

}  // namespace ghost::ml
