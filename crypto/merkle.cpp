#include "crypto/merkle.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "base/parallel.h"

namespace ghost::merkle {

unsigned depth_for(uint64_t n) {
  unsigned d = 0;
  while (d < 64 && (uint64_t{1} << d) < n) ++d;
  return d;
}

Hash32 leaf_hash(uint64_t index, ByteSpan data) {
  uint8_t prefix[9] = {0x00};
  put_u64le(prefix + 1, index);
  thread_local Sha256 h;
  return h.update(prefix, sizeof prefix).update(data).final();
}

Hash32 node_hash(const Hash32& left, const Hash32& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.bytes.begin(), left.bytes.end(), buf + 1);
  std::copy(right.bytes.begin(), right.bytes.end(), buf + 33);
  return sha256(ByteSpan(buf, sizeof buf));
}

Hash32 commit_root(uint64_t n, const Hash32& tree_root) {
  uint8_t buf[41];
  buf[0] = 0x02;
  put_u64le(buf + 1, n);
  std::copy(tree_root.bytes.begin(), tree_root.bytes.end(), buf + 9);
  return sha256(ByteSpan(buf, sizeof buf));
}

const Hash32& zero_hash(unsigned level) {
  static const auto table = [] {
    std::array<Hash32, 65> t{};
    for (unsigned l = 1; l < t.size(); ++l) t[l] = node_hash(t[l - 1], t[l - 1]);
    return t;
  }();
  return table.at(level);
}

namespace {

// Threads pay off only for levels of a few thousand hashes.
unsigned threads_for(uint64_t count, unsigned threads) { return count < 4096 ? 1 : std::max(1u, threads); }

uint64_t level_size(uint64_t n, unsigned level) {
  return level >= 64 ? (n ? 1 : 0) : ((n + (uint64_t{1} << level) - 1) >> level);
}

}  // namespace

Tree Tree::build(uint64_t n, const std::function<ByteSpan(uint64_t)>& leaf, unsigned threads) {
  std::vector<Hash32> hashes(n);
  parallel_chunks(n, threads_for(n, threads), [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t i = b; i < e; ++i) hashes[i] = leaf_hash(i, leaf(i));
  });
  return from_leaf_hashes(std::move(hashes), threads);
}

Tree Tree::from_leaf_hashes(std::vector<Hash32> leaf_hashes, unsigned threads) {
  Tree t;
  t.n_ = leaf_hashes.size();
  t.depth_ = depth_for(t.n_);
  if (t.depth_ > kMaxDepth) throw std::invalid_argument("merkle tree too large");
  t.levels_.push_back(std::move(leaf_hashes));
  t.build_levels(threads);
  return t;
}

void Tree::build_levels(unsigned threads) {
  for (unsigned l = 1; l <= depth_; ++l) {
    const auto& below = levels_[l - 1];
    std::vector<Hash32> level(level_size(n_, l));
    parallel_chunks(level.size(), threads_for(level.size(), threads), [&](unsigned, uint64_t b, uint64_t e) {
      for (uint64_t p = b; p < e; ++p) {
        const Hash32& right = 2 * p + 1 < below.size() ? below[2 * p + 1] : zero_hash(l - 1);
        level[p] = node_hash(below[2 * p], right);
      }
    });
    levels_.push_back(std::move(level));
  }
}

Hash32 Tree::tree_root() const {
  if (n_ == 0) return zero_hash(0);
  return levels_[depth_][0];
}

void Tree::update(uint64_t i, ByteSpan data) { set_leaf_hash(i, leaf_hash(i, data)); }

void Tree::set_leaf_hash(uint64_t i, const Hash32& h) {
  if (i >= n_) throw std::out_of_range("merkle leaf index out of range");
  levels_[0][i] = h;
  uint64_t p = i;
  for (unsigned l = 1; l <= depth_; ++l) {
    p >>= 1;
    const auto& below = levels_[l - 1];
    const Hash32& right = 2 * p + 1 < below.size() ? below[2 * p + 1] : zero_hash(l - 1);
    levels_[l][p] = node_hash(below[2 * p], right);
  }
}

Multiproof Tree::multiproof(std::vector<uint64_t> indices) const {
  for (size_t j = 0; j < indices.size(); ++j) {
    if (indices[j] >= n_) throw std::invalid_argument("multiproof index out of range");
    if (j && indices[j] <= indices[j - 1]) throw std::invalid_argument("multiproof indices must ascend");
  }
  if (indices.empty()) throw std::invalid_argument("multiproof needs at least one index");
  Multiproof proof{n_, indices, {}};
  std::vector<uint64_t> known = std::move(indices), next;
  for (unsigned l = 0; l < depth_; ++l) {
    next.clear();
    const auto& level = levels_[l];
    for (size_t j = 0; j < known.size(); ++j) {
      uint64_t p = known[j], sib = p ^ 1;
      if (sib > p && j + 1 < known.size() && known[j + 1] == sib) {
        ++j;  // both children known
      } else if (sib < level.size()) {
        proof.helpers.push_back(level[sib]);
      }
      next.push_back(p >> 1);
    }
    known.swap(next);
  }
  return proof;
}

Result<Hash32> multiproof_root_from_hashes(const Multiproof& p, std::span<const Hash32> leaf_hashes) {
  if (p.n == 0) return fail("multiproof over an empty tree");
  unsigned depth = depth_for(p.n);
  if (depth > kMaxDepth) return fail("multiproof leaf count " + std::to_string(p.n) + " is too large");
  if (p.indices.empty()) return fail("multiproof has no indices");
  if (leaf_hashes.size() != p.indices.size())
    return fail("multiproof has " + std::to_string(p.indices.size()) + " indices but " +
                std::to_string(leaf_hashes.size()) + " leaves");
  for (size_t j = 0; j < p.indices.size(); ++j) {
    if (p.indices[j] >= p.n)
      return fail("multiproof index " + std::to_string(p.indices[j]) + " >= leaf count " + std::to_string(p.n));
    if (j && p.indices[j] <= p.indices[j - 1]) return fail("multiproof indices are not sorted and unique");
  }
  // Helpers can never outnumber depth * indices; reject before doing any hashing.
  if (p.helpers.size() > uint64_t{depth} * p.indices.size()) return fail("multiproof has too many helper hashes");

  std::vector<std::pair<uint64_t, Hash32>> known, next;
  known.reserve(p.indices.size());
  for (size_t j = 0; j < p.indices.size(); ++j) known.emplace_back(p.indices[j], leaf_hashes[j]);
  size_t h = 0;
  for (unsigned l = 0; l < depth; ++l) {
    next.clear();
    uint64_t present = level_size(p.n, l);
    for (size_t j = 0; j < known.size(); ++j) {
      auto [pos, hash] = known[j];
      uint64_t sib = pos ^ 1;
      Hash32 sibling;
      if (sib > pos && j + 1 < known.size() && known[j + 1].first == sib) {
        sibling = known[++j].second;
      } else if (sib >= present) {
        sibling = zero_hash(l);
      } else {
        if (h == p.helpers.size()) return fail("multiproof is missing helper hashes");
        sibling = p.helpers[h++];
      }
      next.emplace_back(pos >> 1, pos & 1 ? node_hash(sibling, hash) : node_hash(hash, sibling));
    }
    known.swap(next);
  }
  if (h != p.helpers.size())
    return fail("multiproof has " + std::to_string(p.helpers.size() - h) + " surplus helper hashes");
  return commit_root(p.n, known[0].second);
}

Result<Hash32> multiproof_root(const Multiproof& p, std::span<const ByteSpan> leaves) {
  if (leaves.size() != p.indices.size())
    return fail("multiproof has " + std::to_string(p.indices.size()) + " indices but " +
                std::to_string(leaves.size()) + " leaves");
  std::vector<Hash32> hashes(leaves.size());
  for (size_t j = 0; j < leaves.size(); ++j) hashes[j] = leaf_hash(p.indices[j], leaves[j]);
  return multiproof_root_from_hashes(p, hashes);
}

Result<void> verify_multiproof(const Multiproof& p, std::span<const ByteSpan> leaves, const Hash32& root) {
  auto r = multiproof_root(p, leaves);
  if (!r) return std::unexpected(r.error());
  if (*r != root) return fail(Errc::kMismatch, "multiproof does not match the root (tampered leaf, helper or count)");
  return {};
}

}  // namespace ghost::merkle
