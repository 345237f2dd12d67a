// Whole files: bounded reads, and the project's one crash-safe write (temporary file, fsync,
// rename, directory fsync), so every file we produce is either the old one or the complete
// new one after a crash, never a torn mix.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <limits>

#include "base/bytes.h"

namespace ghost {

struct FileOptions {
  mode_t mode = 0644;    // 0600 for keys and validator state
  bool replace = true;   // false: an existing file is kExists and stays untouched
};

// All of `path`: kNotFound when absent, kTooLarge when longer than max_bytes, kIo otherwise.
Result<Bytes> read_file(const std::filesystem::path& path, size_t max_bytes = std::numeric_limits<size_t>::max());

// Makes `data` the durable content of `path`.
Result<void> write_file_atomic(const std::filesystem::path& path, ByteSpan data, const FileOptions& options = {});

// For writers that produce a file themselves (a library's save): makes the finished file
// `tmp` the durable content of `path` the same way. `tmp` is gone afterwards, also on failure.
Result<void> publish_file(const std::filesystem::path& tmp, const std::filesystem::path& path,
                          const FileOptions& options = {});

// A name made durable in `dir` (after a create, rename or unlink in it).
Result<void> sync_dir(const std::filesystem::path& dir);

// Writes all of `data` to `fd`, retrying short writes and EINTR.
Result<void> write_all(int fd, ByteSpan data);
// The same at byte `offset` (the file position does not move; safe beside other threads' reads).
Result<void> pwrite_all(int fd, ByteSpan data, uint64_t offset);
// Fills `out` from byte `offset` of `fd`; kCorrupt when the file ends first.
Result<void> pread_all(int fd, std::span<uint8_t> out, uint64_t offset);

}  // namespace ghost
