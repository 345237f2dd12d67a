// What a weight fetch has verified so far, durably, beside the folder being made: the leaves
// in one flat file at their place in the store order (`leaves`, as large as every tensor
// together), and the ranges done in a small LevelDB. A range's leaves are written before its
// marker, so a fetch killed at any moment restarts from the ranges it finished and never
// counts a leaf it did not write. Both are synced once per checkpoint (kCheckpointBytes of
// leaves), the leaves first, on a thread of the journal's own: the fetch goes on meanwhile (a
// sync of 64 MiB took ~50 ms here, a quarter of the fetch when it waited). A power cut may
// lose the ranges since the last checkpoint. It may also
// leave a marker whose leaves never reached the disk (the OS writes the two files back in no
// set order); the final check of every root against the chain's catches that (see
// docs/decisions.md), so no leaf that was not verified is ever served.
//
// LevelDB keys: 'T' -> the target (format, model id, version, roots; another one is refused)
//               'D' || u32be(tensor) || u64be(first) -> u64be(count): a verified range
#pragma once

#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"

namespace leveldb {
class DB;
}

namespace ghost::fetch {

class Journal {
 public:
  // Opens (or creates) the journal in `dir` for the target named by `target_key` (encoded by
  // the caller); one for another target is an error. `tensor_bytes`: each tensor's size in
  // store order (what the leaves file holds).
  static Result<std::unique_ptr<Journal>> open(const std::filesystem::path& dir, ByteSpan target_key,
                                               std::vector<uint64_t> tensor_bytes);
  ~Journal();

  static constexpr uint64_t kCheckpointBytes = 64u << 20;

  // Keeps `count` verified leaves of `tensor` from `first` on (leaves: count * leaf_bytes bytes),
  // then marks the range done; a range that ends a checkpoint starts its sync in the
  // background. Many threads at once. Fails if the last checkpoint's sync failed.
  Result<void> keep(uint32_t tensor, uint64_t first, uint64_t count, ByteSpan leaves);
  // Makes every kept range durable now (after the checkpoint under way, if any).
  Result<void> sync();
  // The verified ranges of a tensor: first -> count.
  std::map<uint64_t, uint64_t> done(uint32_t tensor) const;
  // Kept bytes of a tensor from byte `offset` on (many threads at once).
  Result<void> read(uint32_t tensor, uint64_t offset, std::span<uint8_t> out) const;

 private:
  Journal() = default;
  Result<void> sync_now();            // leaves, then markers
  Result<void> checkpoint_result();   // of the finished background sync, if any; mutex_ held
  std::unique_ptr<leveldb::DB> db_;
  int fd_ = -1;                // the leaves file
  std::vector<uint64_t> base_, size_;  // each tensor's place in it
  std::mutex mutex_;
  uint64_t unsynced_ = 0;             // bytes of leaves kept since the last checkpoint began
  std::future<Result<void>> checkpoint_;  // the background sync, while one runs or is unread
};

}  // namespace ghost::fetch
