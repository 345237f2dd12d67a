#include "ml/serve/hnsw_index.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "ml/canonical.h"
#include "ml/hopfield.h"
#include "ml/serve/synthetic.h"
#include "tests/temp_dir.h"

namespace ghost::ml {

// gtest names the parameter in test listings.
void PrintTo(HnswDistance d, std::ostream* os) { *os << (d == HnswDistance::int8_codes ? "int8_codes" : "float32"); }

namespace {

using ghost::test::TempDir;

ColumnMatrix synthetic_keys(const SyntheticParams& p) {
  ColumnMatrix keys(p.d, p.n);
  for (uint64_t i = 0; i < p.n; ++i) synthetic_key(p, i, keys.column(i));
  return keys;
}

std::vector<float> query(uint32_t d, uint64_t seed) {
  auto x = *decode_floats(synthetic_input(d, seed), d);
  EXPECT_TRUE(normalize(x));
  return x;
}

double recall(const HnswIndex& ix, const ColumnMatrix& keys, size_t k, int queries) {
  size_t hit = 0;
  for (int q = 0; q < queries; ++q) {
    auto x = query(keys.dim, 1000 + q);
    std::set<uint64_t> want;
    for (auto s : exact_top_k(keys, x, k, 1)) want.insert(s.index);
    for (uint64_t c : ix.search(x, k)) hit += want.count(c);
  }
  return double(hit) / double(k * queries);
}

// Every test runs on both kinds of graph: int8 codes (the default) and plain float32.
class HnswIndexTest : public ::testing::TestWithParam<HnswDistance> {
 protected:
  HnswParams params(HnswParams p) const {
    p.distance = GetParam();
    return p;
  }
};

INSTANTIATE_TEST_SUITE_P(Distances, HnswIndexTest, ::testing::Values(HnswDistance::int8_codes, HnswDistance::float32),
                         [](const auto& info) {
                           return std::string(info.param == HnswDistance::int8_codes ? "Int8Codes" : "Float32");
                         });

TEST_P(HnswIndexTest, BuildsOnAllThreadsAndFindsTheNearestColumns) {
  SyntheticParams p{.n = 4000, .d = 16, .seed = 9};
  auto keys = synthetic_keys(p);
  auto ix = HnswIndex::build(keys, params({.ef = 100, .threads = 2}));
  EXPECT_EQ(ix->size(), p.n);
  EXPECT_EQ(ix->dim(), p.d);
  EXPECT_GE(recall(*ix, keys, 16, 50), 0.95);
  for (uint64_t i : {0ull, 1234ull, 3999ull}) {
    auto c = ix->column(i);
    ASSERT_TRUE(std::equal(c.begin(), c.end(), keys.column(i).begin()));
  }
  // A stored column is its own best match.
  auto self = ix->search(keys.column(77), 1);
  ASSERT_EQ(self.size(), 1u);
  EXPECT_EQ(self[0], 77u);
}

TEST_P(HnswIndexTest, SaveLoadChecksShapeRootsAndFormat) {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  SyntheticParams p{.n = 1500, .d = 8, .seed = 10};
  auto keys = synthetic_keys(p);
  auto ix = HnswIndex::build(keys, params({.threads = 2}));
  const Hash32 root = sha256("root"), other = sha256("other");
  const auto path = dir.path / "ix.hnsw";
  ASSERT_TRUE(ix->save(path, {&root, 1}));
  auto loaded = HnswIndex::load(path, p.d, p.n, {&root, 1}, params({.ef = 50}));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ((*loaded)->ef(), 50u);
  auto x = query(p.d, 3);
  EXPECT_EQ((*loaded)->search(x, 10), ix->search(x, 10));
  for (uint64_t i : {0ull, 1499ull}) {
    auto c = (*loaded)->column(i);
    EXPECT_TRUE(std::equal(c.begin(), c.end(), keys.column(i).begin()));
  }
  EXPECT_FALSE(HnswIndex::load(path, p.d, p.n, {&other, 1}, params({})));
  EXPECT_FALSE(HnswIndex::load(path, p.d + 1, p.n, {&root, 1}, params({})));
  EXPECT_FALSE(HnswIndex::load(path, p.d, p.n + 1, {&root, 1}, params({})));
  EXPECT_FALSE(HnswIndex::load(dir.path / "none.hnsw", p.d, p.n, {&root, 1}, params({})));
  // An index saved as the other kind of graph is refused (its elements have another layout).
  HnswParams other_kind = params({});
  other_kind.distance = GetParam() == HnswDistance::int8_codes ? HnswDistance::float32 : HnswDistance::int8_codes;
  auto wrong = HnswIndex::load(path, p.d, p.n, {&root, 1}, other_kind);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kMismatch) << wrong.error().message;
  // A truncated index file under valid metadata is refused, not trusted.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  EXPECT_FALSE(HnswIndex::load(path, p.d, p.n, {&root, 1}, params({})));
  // Garbage metadata.
  std::ofstream(path.string() + ".meta") << "nonsense";
  EXPECT_FALSE(HnswIndex::load(path, p.d, p.n, {&root, 1}, params({})));
}

TEST_P(HnswIndexTest, UpdateReinsertsAColumnUnderItsLabel) {
  SyntheticParams p{.n = 2000, .d = 12, .seed = 11};
  auto keys = synthetic_keys(p);
  auto ix = HnswIndex::build(keys, params({.ef = 64, .threads = 1}));
  auto x = query(p.d, 5);
  auto before = ix->search(x, 1);
  ASSERT_EQ(before.size(), 1u);
  const uint64_t moved = before[0] == 500 ? 501 : 500;
  ix->update(moved, x);  // column `moved` now equals the query: it must become the best match
  auto after = ix->search(x, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], moved);
  EXPECT_EQ(ix->size(), p.n);
  auto c = ix->column(moved);
  EXPECT_TRUE(std::equal(c.begin(), c.end(), x.begin()));
}

}  // namespace
}  // namespace ghost::ml
