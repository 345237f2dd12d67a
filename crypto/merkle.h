// Merkle trees over indexed leaves and compact multiproofs (docs/protocol.md §2).
//
// leaf  = H(0x00 || u64le(index) || data)      node = H(0x01 || left || right)
// root  = H(0x02 || u64le(n) || tree_root)     depth = ceil(log2 n), absent leaves are zero
// A multiproof carries the sorted unique indices plus exactly the sibling hashes that the
// leaves cannot produce, bottom level first, left to right; all-absent siblings are omitted.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "base/result.h"

namespace ghost::merkle {

inline constexpr unsigned kMaxDepth = 48;  // at most 2^48 leaves

unsigned depth_for(uint64_t n);
Hash32 leaf_hash(uint64_t index, ByteSpan data);
Hash32 node_hash(const Hash32& left, const Hash32& right);
Hash32 commit_root(uint64_t n, const Hash32& tree_root);
const Hash32& zero_hash(unsigned level);  // an all-absent subtree of height `level`

struct Multiproof {
  uint64_t n = 0;
  std::vector<uint64_t> indices;  // ascending, unique, < n
  std::vector<Hash32> helpers;

  size_t byte_size() const { return 8 + 8 * indices.size() + 32 * helpers.size(); }
  bool operator==(const Multiproof&) const = default;
};

// A whole tree kept in memory (every level), so a leaf changes in O(log n).
class Tree {
 public:
  Tree() = default;
  // leaf(i) returns the bytes of leaf i; it is called from `threads` threads at once.
  static Tree build(uint64_t n, const std::function<ByteSpan(uint64_t)>& leaf, unsigned threads = 1);
  static Tree from_leaf_hashes(std::vector<Hash32> leaf_hashes, unsigned threads = 1);

  uint64_t size() const { return n_; }
  unsigned depth() const { return depth_; }
  Hash32 tree_root() const;
  Hash32 root() const { return commit_root(n_, tree_root()); }
  const Hash32& leaf(uint64_t i) const { return levels_[0][i]; }

  void update(uint64_t i, ByteSpan data);  // O(log n)
  void set_leaf_hash(uint64_t i, const Hash32& h);

  // Indices must be ascending, unique and < size(); otherwise std::invalid_argument.
  Multiproof multiproof(std::vector<uint64_t> indices) const;

 private:
  void build_levels(unsigned threads);
  uint64_t n_ = 0;
  unsigned depth_ = 0;
  std::vector<std::vector<Hash32>> levels_;  // levels_[l] holds ceil(n / 2^l) present nodes
};

// The committed root implied by a multiproof and the data of its leaves (same order as
// p.indices). To recompute a root after an update, pass the new leaf data with the old proof.
// Fails on: n = 0 or n > 2^kMaxDepth, no indices, unsorted or duplicate indices, an index
// >= n, a leaf count different from the index count, too few or too many helpers.
Result<Hash32> multiproof_root(const Multiproof& p, std::span<const ByteSpan> leaves);
Result<Hash32> multiproof_root_from_hashes(const Multiproof& p, std::span<const Hash32> leaf_hashes);
// As multiproof_root, and the result must equal `root`.
Result<void> verify_multiproof(const Multiproof& p, std::span<const ByteSpan> leaves, const Hash32& root);

}  // namespace ghost::merkle
