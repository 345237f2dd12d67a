// The ledger's state on LevelDB. Each block's writes go in as one atomic, synced batch
// together with the new (height, app hash), so a reopened store is always at the end of a
// whole block: a crash mid-commit leaves the previous block's state.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "base/result.h"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
}

namespace ghost::ledger {

// A block's writes: key -> new value, or nullopt for a deletion. Sorted by key bytes.
using WriteSet = std::map<std::string, std::optional<std::string>>;

// SHA-256 over the sorted writes: for each, u64le(|key|) key, then 0x00 for a deletion
// or 0x01 u64le(|value|) value.
Hash32 write_set_hash(const WriteSet& writes);
// app_hash(h) = SHA-256("ghostchain/app/v1" || app_hash(h-1) || u64le(h) || write_set_hash),
// with app_hash(-1) = zero for the genesis write set at height 0 (docs/protocol.md §4).
Hash32 chain_app_hash(const Hash32& prev, uint64_t height, const Hash32& writes_hash);

class StateStore {
 public:
  // Opens or creates the LevelDB database in `dir`.
  static Result<std::unique_ptr<StateStore>> open(const std::string& dir);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // False until the genesis block (height 0) has been committed.
  bool initialized() const { return initialized_; }
  uint64_t height() const { return height_; }
  const Hash32& app_hash() const { return app_hash_; }

  std::optional<std::string> get(std::string_view key) const;
  // Calls fn for every committed key starting with prefix, in key order.
  void scan(std::string_view prefix, const std::function<void(std::string_view key, std::string_view value)>& fn) const;

  // Writes the block's set and the new head in one synced batch; returns the new app hash.
  // height must be 0 on an uninitialized store and height() + 1 after.
  Result<Hash32> commit(uint64_t height, const WriteSet& writes);

 private:
  StateStore();
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<leveldb::DB> db_;
  bool initialized_ = false;
  uint64_t height_ = 0;
  Hash32 app_hash_;
};

// A block being executed: reads fall through to the committed store, writes collect here.
// mark() / undo() discard everything written since the mark (a failed tx's body).
class BlockState {
 public:
  explicit BlockState(const StateStore& base) : base_(base) {}

  std::optional<std::string> get(const std::string& key) const;
  void put(const std::string& key, std::string value);
  void erase(const std::string& key);

  void mark();
  void undo();
  const WriteSet& writes() const { return writes_; }

 private:
  void record(const std::string& key);
  const StateStore& base_;
  WriteSet writes_;
  bool marked_ = false;
  // Previous overlay entry of each key written since mark(), outer nullopt = none.
  std::vector<std::pair<std::string, std::optional<std::optional<std::string>>>> journal_;
};

}  // namespace ghost::ledger
