// A private, consistent copy of a LevelDB folder that another process may hold open: how
// many readers share one model folder with the one process that writes it (LevelDB admits
// one process per folder). Tables are immutable, so they are hard-linked, not copied; the
// manifest and logs are copied. A copy that raced a write is detected and taken again.
#pragma once

#include <filesystem>

#include "base/result.h"

namespace ghost::ml {

class StoreSnapshot {
 public:
  // Takes a snapshot of `db_dir` into `<db_dir>.readers/<pid>-<n>/` (same filesystem, so
  // links work), first removing snapshots left by processes that no longer run.
  static Result<StoreSnapshot> take(const std::filesystem::path& db_dir);

  StoreSnapshot(StoreSnapshot&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  StoreSnapshot& operator=(StoreSnapshot&&) = delete;
  ~StoreSnapshot();  // removes the copy

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit StoreSnapshot(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// A new store at `to` (which must not exist) holding what `from` holds; no process may be
// writing `from`. Tables are hard-linked, so a copy costs no disk until one side writes.
Result<void> copy_store(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace ghost::ml
