// Tensors on disk (LevelDB) with a Merkle root per tensor (docs/protocol.md §2, §3).
//
// Keys: 'L' || u32be(tensor) || u64be(index) -> canonical leaf bytes (little-endian float32);
//       'R' || u32be(tensor) -> 32-byte committed root;  'S' -> the tensor shapes.
// An update writes the changed leaves and the new roots in ONE synced WriteBatch, so a crash
// can never leave leaves and roots out of step. Opening rehashes every leaf and refuses a
// store whose leaves do not produce the stored roots (full check at open, nothing lazy).
// One process writes a store; any number of others open it read-only at the same time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "base/result.h"
#include "ml/layers.h"

namespace leveldb {
class DB;
}

namespace ghost::ml {

class StoreSnapshot;

enum class StoreAccess : uint8_t {
  write,  // the one process that updates the store (takes LevelDB's lock)
  read,   // takes no lock: reads a private copy of the store as it was at open
};

// Fills `out` (leaf_floats) with leaf `index` of tensor `tensor`; called from many threads.
using LeafFiller = std::function<void(uint32_t tensor, uint64_t index, std::span<float> out)>;

class WeightStore {
 public:
  ~WeightStore();
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  // Writes a new store in `dir` (which must not hold one). threads = 0: all cores.
  static Result<std::unique_ptr<WeightStore>> create(const std::filesystem::path& dir,
                                                     std::vector<TensorShape> shapes,
                                                     const LeafFiller& fill, unsigned threads = 0);
  // Opens and checks an existing store (every root recomputed from its leaves).
  static Result<std::unique_ptr<WeightStore>> open(const std::filesystem::path& dir, unsigned threads = 0,
                                                   StoreAccess access = StoreAccess::write);

  size_t tensor_count() const { return shapes_.size(); }
  const TensorShape& shape(uint32_t tensor) const { return shapes_.at(tensor); }
  Result<uint32_t> find(const std::string& name) const;

  const merkle::Tree& tree(uint32_t tensor) const { return trees_.at(tensor); }
  Hash32 root(uint32_t tensor) const { return trees_.at(tensor).root(); }
  std::vector<Hash32> roots() const;

  // One leaf, read from disk without loading the tensor. Fails on a bad tensor or index.
  Result<std::vector<float>> leaf(uint32_t tensor, uint64_t index) const;
  Result<void> read_leaf(uint32_t tensor, uint64_t index, std::span<float> out) const;
  Result<Bytes> leaf_bytes(uint32_t tensor, uint64_t index) const;
  // Leaves first .. first + count - 1 appended to `out` (canonical bytes), by one sequential
  // scan. Fails on a bad tensor or range, or a missing leaf.
  Result<void> read_leaves(uint32_t tensor, uint64_t first, uint64_t count, Bytes& out) const;
  // Every leaf of a tensor, in index order (a sequential scan).
  Result<void> for_each_leaf(uint32_t tensor,
                             const std::function<void(uint64_t index, std::span<const float>)>& fn) const;

  // Replaces leaves atomically (one synced batch with the new roots). On any error nothing
  // changes, on disk or in memory. Not safe concurrently with readers of the same object;
  // refused on a store opened read-only.
  Result<void> update(std::span<const LeafWrite> writes);

 private:
  WeightStore() = default;
  std::unique_ptr<StoreSnapshot> snapshot_;  // read-only: the copy db_ reads (outlives db_)
  std::unique_ptr<leveldb::DB> db_;
  std::vector<TensorShape> shapes_;
  std::vector<merkle::Tree> trees_;
};

}  // namespace ghost::ml
