// Property tests of Merkle trees and multiproofs over many seeded (n, index set) pairs.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "crypto/merkle.h"

namespace ghost::merkle {
namespace {

std::vector<Bytes> random_leaves(std::mt19937_64& rng, uint64_t n) {
  std::vector<Bytes> leaves(n);
  for (auto& l : leaves) {
    l.resize(rng() % 48);
    for (auto& b : l) b = uint8_t(rng());
  }
  return leaves;
}

Tree tree_of(const std::vector<Bytes>& leaves, unsigned threads = 1) {
  return Tree::build(leaves.size(), [&](uint64_t i) { return ByteSpan(leaves[i]); }, threads);
}

std::vector<uint64_t> random_indices(std::mt19937_64& rng, uint64_t n) {
  std::set<uint64_t> s;
  size_t want = 1 + rng() % std::min<uint64_t>(n, 20);
  while (s.size() < want) s.insert(rng() % n);
  return {s.begin(), s.end()};
}

std::vector<ByteSpan> spans(const std::vector<Bytes>& leaves, const std::vector<uint64_t>& idx) {
  std::vector<ByteSpan> out;
  for (uint64_t i : idx) out.emplace_back(leaves[i]);
  return out;
}

// Interesting sizes: 1, 2, powers of two and their neighbours.
std::vector<uint64_t> sizes() {
  std::vector<uint64_t> v{1, 2, 3};
  for (uint64_t p = 4; p <= 1024; p *= 2) v.insert(v.end(), {p - 1, p, p + 1});
  v.push_back(1000);
  return v;
}

TEST(Merkle, DepthIsCeilLog2) {
  EXPECT_EQ(depth_for(1), 0u);
  EXPECT_EQ(depth_for(2), 1u);
  EXPECT_EQ(depth_for(3), 2u);
  EXPECT_EQ(depth_for(4), 2u);
  EXPECT_EQ(depth_for(5), 3u);
  EXPECT_EQ(depth_for(60000), 16u);
}

TEST(Merkle, LeafHashBindsIndexAndDiffersFromNodes) {
  Bytes data(64, 7);
  EXPECT_NE(leaf_hash(0, data), leaf_hash(1, data));
  Hash32 a = leaf_hash(0, Bytes{1}), b = leaf_hash(1, Bytes{2});
  Bytes concat(a.bytes.begin(), a.bytes.end());
  concat.insert(concat.end(), b.bytes.begin(), b.bytes.end());
  EXPECT_NE(node_hash(a, b), leaf_hash(0, concat));
}

TEST(Merkle, RootBindsCount) {
  // Two trees whose leaves hash the same below the root (a trailing absent leaf vs none)
  // must still have different committed roots.
  std::vector<Bytes> three{{1}, {2}, {3}};
  Tree t3 = tree_of(three);
  EXPECT_NE(t3.root(), commit_root(4, t3.tree_root()));
  EXPECT_EQ(t3.root(), commit_root(3, t3.tree_root()));
}

TEST(Merkle, MultiproofsVerifyForManySizesAndIndexSets) {
  std::mt19937_64 rng(42);
  for (uint64_t n : sizes()) {
    auto leaves = random_leaves(rng, n);
    Tree tree = tree_of(leaves);
    for (int trial = 0; trial < 25; ++trial) {
      auto idx = random_indices(rng, n);
      Multiproof p = tree.multiproof(idx);
      ASSERT_TRUE(verify_multiproof(p, spans(leaves, idx), tree.root())) << "n=" << n;
    }
    // The whole set needs no helpers at all.
    std::vector<uint64_t> all(n);
    for (uint64_t i = 0; i < n; ++i) all[i] = i;
    EXPECT_TRUE(tree.multiproof(all).helpers.empty());
  }
}

TEST(Merkle, EverySingleByteTamperFails) {
  std::mt19937_64 rng(7);
  for (uint64_t n : {uint64_t{5}, uint64_t{16}, uint64_t{33}, uint64_t{100}}) {
    auto leaves = random_leaves(rng, n);
    for (auto& l : leaves) l.resize(std::max<size_t>(l.size(), 1));
    Tree tree = tree_of(leaves);
    auto idx = random_indices(rng, n);
    Multiproof p = tree.multiproof(idx);
    for (size_t h = 0; h < p.helpers.size(); ++h)
      for (size_t b = 0; b < 32; ++b) {
        Multiproof q = p;
        q.helpers[h].bytes[b] ^= 1;
        EXPECT_FALSE(verify_multiproof(q, spans(leaves, idx), tree.root()));
      }
    for (size_t j = 0; j < idx.size(); ++j)
      for (size_t b = 0; b < leaves[idx[j]].size(); ++b) {
        auto copy = leaves;
        copy[idx[j]][b] ^= 0x80;
        EXPECT_FALSE(verify_multiproof(p, spans(copy, idx), tree.root()));
      }
  }
}

TEST(Merkle, RejectsMalformedProofs) {
  std::mt19937_64 rng(9);
  auto leaves = random_leaves(rng, 37);
  Tree tree = tree_of(leaves);
  std::vector<uint64_t> idx{3, 9, 20};
  Multiproof p = tree.multiproof(idx);
  auto data = spans(leaves, idx);
  ASSERT_TRUE(verify_multiproof(p, data, tree.root()));

  auto rejects = [&](Multiproof q, std::vector<ByteSpan> d, const char* what) {
    auto r = verify_multiproof(q, d, tree.root());
    EXPECT_FALSE(r) << what;
  };
  { auto q = p; std::swap(q.indices[0], q.indices[1]); std::vector<ByteSpan> d{data[1], data[0], data[2]}; rejects(q, d, "unsorted"); }
  { auto q = p; q.indices[1] = q.indices[0]; rejects(q, data, "duplicate"); }
  { auto q = p; q.indices[2] = 37; rejects(q, data, "index >= n"); }
  { auto q = p; q.helpers.pop_back(); rejects(q, data, "missing helper"); }
  { auto q = p; q.helpers.push_back(q.helpers[0]); rejects(q, data, "surplus helper"); }
  { auto q = p; q.n = 38; rejects(q, data, "count 38"); }
  { auto q = p; q.n = 36; rejects(q, data, "count 36"); }
  { auto q = p; q.n = 0; rejects(q, data, "count 0"); }
  { auto q = p; q.indices[0] = 4; rejects(q, data, "moved index"); }
  { auto q = p; rejects(q, {data[0], data[1]}, "leaf count mismatch"); }
  { Multiproof q{37, {}, {}}; rejects(q, {}, "no indices"); }
  { auto q = p; q.n = uint64_t{1} << 60; rejects(q, data, "huge count"); }
  // A leaf at another index with equal bytes cannot stand in for it.
  {
    auto copy = leaves;
    copy[4] = copy[3];
    Tree t2 = tree_of(copy);
    Multiproof q = t2.multiproof({4});
    q.indices = {3};
    std::vector<ByteSpan> d{ByteSpan(copy[3])};
    EXPECT_FALSE(verify_multiproof(q, d, t2.root()));
  }
}

TEST(Merkle, UpdateAgreesWithRebuildAndWithProofRecompute) {
  std::mt19937_64 rng(11);
  for (uint64_t n : sizes()) {
    auto leaves = random_leaves(rng, n);
    Tree tree = tree_of(leaves);
    auto idx = random_indices(rng, n);
    Multiproof old_proof = tree.multiproof(idx);
    std::vector<Bytes> fresh;
    for (size_t j = 0; j < idx.size(); ++j) {
      fresh.push_back(random_leaves(rng, 1)[0]);
      leaves[idx[j]] = fresh.back();
      tree.update(idx[j], fresh.back());
    }
    Tree rebuilt = tree_of(leaves);
    ASSERT_EQ(tree.root(), rebuilt.root()) << "n=" << n;
    std::vector<ByteSpan> d(fresh.begin(), fresh.end());
    auto recomputed = multiproof_root(old_proof, d);
    ASSERT_TRUE(recomputed);
    EXPECT_EQ(*recomputed, rebuilt.root()) << "n=" << n;
  }
}

TEST(Merkle, ThreadedBuildMatchesSingleThread) {
  std::mt19937_64 rng(3);
  auto leaves = random_leaves(rng, 50001);
  EXPECT_EQ(tree_of(leaves, 1).root(), tree_of(leaves, 4).root());
}

TEST(Merkle, CompactProofIsSmallerThanSeparateProofs) {
  std::mt19937_64 rng(5);
  auto leaves = random_leaves(rng, 1000);
  Tree tree = tree_of(leaves);
  std::vector<uint64_t> idx{10, 11, 12, 13, 500, 501, 900};
  size_t separate = 0;
  for (uint64_t i : idx) separate += tree.multiproof({i}).helpers.size();
  EXPECT_LT(tree.multiproof(idx).helpers.size(), separate);
}

}  // namespace
}  // namespace ghost::merkle
