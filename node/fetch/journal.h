// What a weight fetch has verified so far, durably (a LevelDB beside the folder being made):
// the leaves and, in the same batch, the range they complete, so a fetch killed at any moment
// restarts from the ranges it finished and never keeps a leaf it did not verify. Batches are
// synced once per checkpoint (kCheckpointBytes of leaves): a power cut loses at most the
// ranges since the last one, whole, and they are fetched again.
//
// Keys: 'T' -> the target (model id, version, roots; a journal for another target is refused)
//       'L' || u32be(tensor) || u64be(index) -> canonical leaf bytes
//       'D' || u32be(tensor) || u64be(first) -> u64be(count): a verified range
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
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
  // Opens (or creates) the journal in `dir` for the target named by `target_key` (the model id,
  // version and roots, encoded by the caller); one for another target is an error.
  static Result<std::unique_ptr<Journal>> open(const std::filesystem::path& dir, ByteSpan target_key);
  ~Journal();

  static constexpr uint64_t kCheckpointBytes = 64u << 20;

  // Keeps `count` verified leaves of `tensor` from `first` on (leaves: count * leaf_bytes bytes)
  // and the range as done, in one batch (synced when it ends a checkpoint).
  Result<void> keep(uint32_t tensor, uint64_t first, uint64_t count, ByteSpan leaves);
  // Makes every kept range durable now.
  Result<void> sync();
  // The verified ranges of a tensor: first -> count.
  std::map<uint64_t, uint64_t> done(uint32_t tensor) const;
  // One kept leaf (many threads at once).
  Result<void> read(uint32_t tensor, uint64_t index, std::span<uint8_t> out) const;

 private:
  Journal() = default;
  std::unique_ptr<leveldb::DB> db_;
  uint64_t unsynced_ = 0;  // bytes of leaves kept since the last synced batch
};

}  // namespace ghost::fetch
