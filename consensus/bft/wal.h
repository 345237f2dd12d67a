// The consensus write-ahead log: every input the engine consumed, in order, so a restarted
// validator resumes its height exactly where it was. Records are length-prefixed and
// checksummed; an end-of-height marker closes each decided height; the node's own votes and
// proposals are synced before they are sent. A torn last record (a crash mid-append) is
// dropped on open; damage anywhere else is an error, since replaying a hole could make the
// node forget a lock.
#pragma once

#include <string>
#include <vector>

#include "consensus/bft/durable_store.h"
#include "consensus/bft/types.h"

namespace ghost::bft {

struct EndHeight {
  uint64_t height = 0;
};

using WalEntry = std::variant<pb::SignedProposal, pb::SignedVote, TimeoutEvent, BlockValidated, SyncedBlock, EndHeight>;

inline constexpr size_t kMaxWalRecordBytes = 16u << 20;

struct WalScan {
  std::vector<WalEntry> entries;
  size_t valid_bytes = 0;  // length of the intact prefix
  bool torn_tail = false;  // bytes after valid_bytes were a partly written last record
};

// Parses a whole WAL file.
Result<WalScan> scan_wal(ByteSpan data);
Bytes encode_wal_record(const WalEntry& entry);

struct WalReplay {
  std::vector<Input> inputs;  // everything after the last end-of-height marker
  std::optional<uint64_t> last_ended_height;
  bool dropped_torn_tail = false;
};

class Wal {
 public:
  // Opens `name` (created when absent), drops a torn tail durably, and returns what to replay.
  static Result<Wal> open(DurableStore& store, std::string name, WalReplay* replay,
                          size_t compact_after_bytes = 1u << 20);

  Result<void> write(const Input& input);       // appended, not yet durable
  Result<void> write_sync(const Input& input);  // appended and durable (own messages, before sending)
  Result<void> sync();                          // everything written so far is durable
  // Durable marker; once the file is over the compaction size it restarts with the marker alone.
  Result<void> end_height(uint64_t height);

 private:
  Wal(DurableStore& store, std::string name, size_t size, size_t compact)
      : store_(&store), name_(std::move(name)), size_(size), compact_after_(compact) {}
  Result<void> append(const WalEntry& e);

  DurableStore* store_;
  std::string name_;
  size_t size_;
  size_t compact_after_;
};

}  // namespace ghost::bft
