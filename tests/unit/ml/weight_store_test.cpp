#include "ml/serve/weight_store.h"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <random>

#include "ml/canonical.h"
#include "tests/temp_dir.h"

namespace ghost::ml {
namespace {

namespace fs = std::filesystem;

using ghost::test::TempDir;

// A deterministic leaf value for (seed, tensor, index, j).
float value(uint64_t seed, uint32_t t, uint64_t i, uint32_t j) {
  std::mt19937 rng(uint32_t(seed * 1000003 + t * 7919 + i * 31 + j));
  return std::uniform_real_distribution<float>(-1, 1)(rng);
}

std::vector<TensorShape> shapes() { return {{"A", 1000, 7}, {"B", 37, 3}}; }

LeafFiller filler(uint64_t seed) {
  return [seed](uint32_t t, uint64_t i, std::span<float> out) {
    for (uint32_t j = 0; j < out.size(); ++j) out[j] = value(seed, t, i, j);
  };
}

Hash32 reference_root(const WeightStore& ws, uint32_t t) {
  std::vector<Bytes> leaves;
  for (uint64_t i = 0; i < ws.shape(t).leaf_count; ++i) leaves.push_back(*ws.leaf_bytes(t, i));
  return merkle::Tree::build(leaves.size(), [&](uint64_t i) { return ByteSpan(leaves[i]); }).root();
}

void put_raw(const fs::path& dir, const std::string& key, const std::string& value, bool erase = false) {
  leveldb::DB* db;
  ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), dir.string(), &db).ok());
  if (erase) db->Delete(leveldb::WriteOptions(), key);
  else db->Put(leveldb::WriteOptions(), key, value);
  delete db;
}

std::string leaf_key(uint32_t t, uint64_t i) {
  std::string k = "L";
  for (int b = 3; b >= 0; --b) k.push_back(char(t >> (8 * b)));
  for (int b = 7; b >= 0; --b) k.push_back(char(i >> (8 * b)));
  return k;
}

TEST(WeightStore, CreateReadReopen) {
  TempDir dir;
  auto ws = WeightStore::create(dir.path, shapes(), filler(1), 2);
  ASSERT_TRUE(ws) << ws.error().message;
  ASSERT_EQ((*ws)->tensor_count(), 2u);
  EXPECT_EQ(*(*ws)->find("B"), 1u);
  EXPECT_FALSE((*ws)->find("C"));
  auto leaf = (*ws)->leaf(0, 999);
  ASSERT_TRUE(leaf);
  for (uint32_t j = 0; j < 7; ++j) EXPECT_EQ((*leaf)[j], value(1, 0, 999, j));
  const auto roots = (*ws)->roots();
  EXPECT_EQ(roots[0], reference_root(**ws, 0));
  EXPECT_EQ(roots[1], reference_root(**ws, 1));
  EXPECT_NE(roots[0], roots[1]);
  ws->reset();
  auto again = WeightStore::open(dir.path, 1);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->roots(), roots);
  EXPECT_EQ((*again)->shape(0), shapes()[0]);
}

TEST(WeightStore, CreateRefusesBadShapesAndExistingStores) {
  TempDir dir;
  EXPECT_FALSE(WeightStore::create(dir.path / "a", {}, filler(1)));
  EXPECT_FALSE(WeightStore::create(dir.path / "b", {{"A", 0, 3}}, filler(1)));
  EXPECT_FALSE(WeightStore::create(dir.path / "c", {{"A", 3, 3}, {"A", 3, 3}}, filler(1)));
  ASSERT_TRUE(WeightStore::create(dir.path / "d", shapes(), filler(1)));
  EXPECT_FALSE(WeightStore::create(dir.path / "d", shapes(), filler(2)));
  EXPECT_FALSE(WeightStore::open(dir.path / "missing"));
}

TEST(WeightStore, ReadsOutOfRangeFail) {
  TempDir dir;
  auto ws = WeightStore::create(dir.path, shapes(), filler(1));
  ASSERT_TRUE(ws);
  EXPECT_FALSE((*ws)->leaf(0, 1000));
  EXPECT_FALSE((*ws)->leaf(2, 0));
  std::vector<float> wrong(6);
  EXPECT_FALSE((*ws)->read_leaf(0, 1, wrong));
}

TEST(WeightStore, UpdatesMoveRootsIncrementallyAndPersist) {
  TempDir dir;
  auto ws = WeightStore::create(dir.path, shapes(), filler(3));
  ASSERT_TRUE(ws);
  std::mt19937_64 rng(4);
  for (int round = 0; round < 5; ++round) {
    std::vector<LeafWrite> writes;
    std::set<uint64_t> used;
    for (int w = 0; w < 6; ++w) {
      uint64_t i = rng() % 1000;
      if (!used.insert(i).second) continue;
      writes.push_back({0, i, std::vector<float>(7, float(round * 10 + w))});
    }
    writes.push_back({1, rng() % 37, {1.0f, 2.0f, float(round)}});
    const auto old = (*ws)->roots();
    // The old multiproof plus the new leaves gives the new root (what a verifier does).
    std::vector<uint64_t> idx(used.begin(), used.end());
    auto proof = (*ws)->tree(0).multiproof(idx);
    ASSERT_TRUE((*ws)->update(writes));
    EXPECT_NE((*ws)->root(0), old[0]);
    EXPECT_EQ((*ws)->root(0), reference_root(**ws, 0));
    EXPECT_EQ((*ws)->root(1), reference_root(**ws, 1));
    std::vector<Bytes> fresh;
    for (uint64_t i : idx) fresh.push_back(*(*ws)->leaf_bytes(0, i));
    std::vector<ByteSpan> spans(fresh.begin(), fresh.end());
    EXPECT_EQ(*merkle::multiproof_root(proof, spans), (*ws)->root(0));
  }
  const auto roots = (*ws)->roots();
  ws->reset();
  auto again = WeightStore::open(dir.path);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->roots(), roots);
}

TEST(WeightStore, RejectedUpdatesChangeNothing) {
  TempDir dir;
  auto ws = WeightStore::create(dir.path, shapes(), filler(5));
  ASSERT_TRUE(ws);
  const auto roots = (*ws)->roots();
  const auto leaf = *(*ws)->leaf(0, 3);
  std::vector<std::vector<LeafWrite>> bad = {
      {{0, 3, std::vector<float>(7, 1)}, {2, 0, {1, 2, 3}}},           // no tensor 2
      {{0, 3, std::vector<float>(7, 1)}, {0, 1000, std::vector<float>(7, 1)}},  // index out of range
      {{0, 3, std::vector<float>(6, 1)}},                               // wrong size
      {{0, 3, std::vector<float>(7, 1)}, {0, 3, std::vector<float>(7, 2)}},  // same leaf twice
  };
  for (auto& w : bad) {
    auto r = (*ws)->update(w);
    ASSERT_FALSE(r);
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_EQ((*ws)->roots(), roots);
    EXPECT_EQ(*(*ws)->leaf(0, 3), leaf);
  }
  EXPECT_TRUE((*ws)->update(std::span<const LeafWrite>{}));
  EXPECT_EQ((*ws)->roots(), roots);
}

TEST(WeightStore, OpenDetectsTamperedMissingAndExtraLeaves) {
  struct Case {
    const char* what;
    std::string key, value;
    bool erase;
  };
  std::string changed(7 * 4, '\0');
  std::vector<Case> cases = {
      {"changed leaf", leaf_key(0, 10), changed, false},
      {"short leaf", leaf_key(0, 10), "abc", false},
      {"missing leaf", leaf_key(1, 36), "", true},
      {"extra leaf", leaf_key(1, 37), std::string(12, 'x'), false},
      {"missing root", std::string("R\0\0\0\1", 5), "", true},
      {"missing table", "S", "", true},
      {"corrupt table", "S", "garbage", false},
  };
  for (auto& c : cases) {
    TempDir dir;
    ASSERT_TRUE(WeightStore::create(dir.path, shapes(), filler(6)));
    ASSERT_TRUE(WeightStore::open(dir.path));
    put_raw(dir.path, c.key, c.value, c.erase);
    auto r = WeightStore::open(dir.path);
    ASSERT_FALSE(r) << c.what;
    EXPECT_FALSE(r.error().message.empty());
  }
}

// Kill -9 a process in the middle of a stream of updates: the store must still open, i.e.
// leaves and roots are never out of step on disk.
TEST(WeightStore, SurvivesKillDuringUpdates) {
  TempDir dir;
  ASSERT_TRUE(WeightStore::create(dir.path, {{"A", 5000, 16}}, filler(7)));
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 3; ++trial) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto ws = WeightStore::open(dir.path, 1);
      if (!ws) _exit(2);
      std::mt19937_64 r(trial);
      for (uint64_t n = 0;; ++n) {
        std::vector<LeafWrite> w;
        for (uint64_t i = r() % 4000, e = i + 1 + r() % 50; i < e; ++i) w.push_back({0, i, std::vector<float>(16, float(n))});
        if (!(*ws)->update(w)) _exit(3);
      }
    }
    usleep(useconds_t(100000 + rng() % 200000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    auto ws = WeightStore::open(dir.path);
    ASSERT_TRUE(ws) << ws.error().message;
    EXPECT_EQ((*ws)->root(0), reference_root(**ws, 0));
  }
}

TEST(WeightStore, ReadersOpenTheFolderTheWriterHolds) {
  TempDir dir;
  const fs::path store = dir.path / "weights", readers = dir.path / "weights.readers";
  auto writer = WeightStore::create(store, shapes(), filler(1), 2);
  ASSERT_TRUE(writer) << writer.error().message;
  EXPECT_FALSE(WeightStore::open(store, 1)) << "LevelDB admits one writing process per folder";

  auto reader = WeightStore::open(store, 1, StoreAccess::read);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ((*reader)->roots(), (*writer)->roots());
  const std::vector<LeafWrite> w{{0, 5, std::vector<float>(7, 2.5f)}};
  auto refused = (*reader)->update(w);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kDenied);

  // The writer moves on; the open reader keeps the state it opened, a new one sees the new.
  ASSERT_TRUE((*writer)->update(w));
  EXPECT_EQ((*(*reader)->leaf(0, 5))[0], value(1, 0, 5, 0));
  auto later = WeightStore::open(store, 1, StoreAccess::read);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ((*(*later)->leaf(0, 5))[0], 2.5f);
  EXPECT_EQ((*later)->roots(), (*writer)->roots());

  reader->reset();
  later->reset();
  EXPECT_FALSE(fs::exists(readers)) << "a closed reader leaves no copy behind";
}

TEST(WeightStore, AReaderRemovesCopiesOfProcessesThatDied) {
  TempDir dir;
  const fs::path store = dir.path / "weights";
  ASSERT_TRUE(WeightStore::create(store, shapes(), filler(1), 2));
  pid_t dead = fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const fs::path stale = dir.path / "weights.readers" / (std::to_string(dead) + "-0");
  fs::create_directories(stale);
  auto reader = WeightStore::open(store, 1, StoreAccess::read);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_FALSE(fs::exists(stale));
}

// A writer in another process updates without pause; every read-only open either sees one
// consistent state (open checks every leaf against the stored roots) or says it could not.
TEST(WeightStore, ReadersNeverSeeAHalfWrittenUpdate) {
  TempDir dir;
  const fs::path store = dir.path / "weights";
  ASSERT_TRUE(WeightStore::create(store, {{"A", 3000, 16}}, filler(3), 2));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto ws = WeightStore::open(store, 1);
    if (!ws) _exit(2);
    std::mt19937_64 r(5);
    for (uint64_t n = 0;; ++n) {
      std::vector<LeafWrite> w;
      for (uint64_t i = r() % 2900, e = i + 1 + r() % 80; i < e; ++i) w.push_back({0, i, std::vector<float>(16, float(n))});
      if (!(*ws)->update(w)) _exit(3);
    }
  }
  int opened = 0;
  for (int i = 0; i < 30; ++i) {
    auto reader = WeightStore::open(store, 1, StoreAccess::read);
    if (!reader) {
      EXPECT_NE(reader.error().message.find("store changed"), std::string::npos) << reader.error().message;
      continue;
    }
    ++opened;
    EXPECT_EQ((*reader)->root(0), reference_root(**reader, 0));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the writer stopped early with " << WEXITSTATUS(status);
  EXPECT_GT(opened, 0);
  std::cout << opened << " of 30 read-only opens during writes\n";
}

}  // namespace
}  // namespace ghost::ml
