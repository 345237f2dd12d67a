// The weight fetch journal (node/fetch/journal.h) on a real LevelDB and leaves file: what it
// keeps survives a reopen; what does not fit its tensors is refused and changes nothing.
#include "node/fetch/journal.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/temp_dir.h"

namespace ghost::fetch {
namespace {

using test::TempDir;

const Bytes kTarget = {1, 2, 3};
const std::vector<uint64_t> kTensors = {64, 32};  // bytes: 16 leaves of 4, then 4 leaves of 8

Bytes pattern(size_t n, uint8_t from) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(from + i);
  return b;
}

TEST(Journal, KeptRangesAndLeavesSurviveAReopen) {
  TempDir dir("journal");
  {
    auto j = Journal::open(dir.path / "j", kTarget, kTensors);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE((*j)->keep(0, 4, 3, pattern(12, 10)));
    ASSERT_TRUE((*j)->keep(1, 2, 2, pattern(16, 50)));
  }  // not synced: a process that ends (or is killed) keeps what it wrote
  auto j = Journal::open(dir.path / "j", kTarget, kTensors);
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)->done(0), (std::map<uint64_t, uint64_t>{{4, 3}}));
  EXPECT_EQ((*j)->done(1), (std::map<uint64_t, uint64_t>{{2, 2}}));
  Bytes leaf(4);
  ASSERT_TRUE((*j)->read(0, 5 * 4, leaf));
  EXPECT_EQ(leaf, (Bytes{14, 15, 16, 17}));
  Bytes last(8);
  ASSERT_TRUE((*j)->read(1, 3 * 8, last));
  EXPECT_EQ(last, pattern(8, 58));
  EXPECT_TRUE((*j)->sync());
}

// Ranges kept from several threads at once, past two checkpoints (whose syncs run in the
// background while the keeps go on), are all marked and read back after a reopen.
TEST(Journal, RangesKeptFromManyThreadsAcrossCheckpointsSurviveAReopen) {
  TempDir dir("journal");
  constexpr uint64_t kLeaf = 1u << 20, kLeaves = 2 * Journal::kCheckpointBytes / kLeaf + 8;
  constexpr int kThreads = 3;
  {
    auto j = Journal::open(dir.path / "j", kTarget, {kLeaves * kLeaf});
    ASSERT_TRUE(j) << j.error().message;
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (uint64_t i = uint64_t(t); i < kLeaves; i += kThreads)
          if (!(*j)->keep(0, i, 1, pattern(kLeaf, uint8_t(i)))) ++failed;
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failed, 0);
    ASSERT_TRUE((*j)->sync());
  }
  auto j = Journal::open(dir.path / "j", kTarget, {kLeaves * kLeaf});
  ASSERT_TRUE(j) << j.error().message;
  const auto done = (*j)->done(0);
  ASSERT_EQ(done.size(), kLeaves);
  for (uint64_t i : {uint64_t(0), kLeaves / 2, kLeaves - 1}) {
    EXPECT_EQ(done.at(i), 1u);
    Bytes leaf(kLeaf);
    ASSERT_TRUE((*j)->read(0, i * kLeaf, leaf));
    EXPECT_EQ(leaf, pattern(kLeaf, uint8_t(i))) << "leaf " << i;
  }
}

TEST(Journal, ARangePastItsTensorIsRefusedAndNotMarked) {
  TempDir dir("journal");
  auto j = Journal::open(dir.path / "j", kTarget, kTensors);
  ASSERT_TRUE(j);
  EXPECT_FALSE((*j)->keep(0, 14, 3, pattern(12, 0))) << "leaves 14..16 of 16";
  EXPECT_FALSE((*j)->keep(2, 0, 1, pattern(4, 0))) << "no tensor 2";
  EXPECT_FALSE((*j)->keep(0, 0, 3, pattern(10, 0))) << "10 bytes are not 3 leaves";
  EXPECT_FALSE((*j)->keep(0, 0, 0, Bytes{})) << "no leaves";
  EXPECT_TRUE((*j)->done(0).empty());
  Bytes out(8);
  EXPECT_FALSE((*j)->read(1, 32, out)) << "past the last tensor's end";
  EXPECT_FALSE((*j)->read(5, 0, out));
}

TEST(Journal, AnotherTargetIsRefused) {
  TempDir dir("journal");
  ASSERT_TRUE(Journal::open(dir.path / "j", kTarget, kTensors));
  auto other = Journal::open(dir.path / "j", Bytes{9}, kTensors);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kMismatch);
}

}  // namespace
}  // namespace ghost::fetch
