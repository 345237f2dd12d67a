// The LevelDB state store: app hash chain, atomic commits, reopening, crash safety.
#include "consensus/ledger/state_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/ledger/testkit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

// (Built with append: GCC 12 warns falsely on "k" + std::string under -O3.)
std::string key_of(uint64_t i) {
  std::string k = "k";
  k.append(std::to_string(i));
  return k;
}

WriteSet random_writes(std::mt19937_64& rng, int n) {
  WriteSet w;
  for (int i = 0; i < n; ++i) {
    std::string key = key_of(rng() % 50);
    if (rng() % 4 == 0) w[key] = std::nullopt;
    else w[key] = std::to_string(rng());
  }
  return w;
}

TEST(StateStoreTest, WriteSetHashDependsOnEveryByte) {
  WriteSet a{{"a", "1"}, {"b", std::nullopt}};
  Hash32 h = write_set_hash(a);
  WriteSet b{{"a", "2"}, {"b", std::nullopt}};
  WriteSet c{{"a", "1"}, {"b", ""}};  // deletion differs from an empty value
  WriteSet d{{"a", "1"}};
  WriteSet e{{"a1", ""}, {"b", std::nullopt}};  // no ambiguity between key and value bytes
  for (const WriteSet* w : {&b, &c, &d, &e}) EXPECT_NE(write_set_hash(*w), h);
  EXPECT_NE(chain_app_hash(Hash32{}, 1, h), chain_app_hash(Hash32{}, 2, h));
}

TEST(StateStoreTest, CommitsReopensAndRefusesGaps) {
  TempDir dir;
  std::mt19937_64 rng(11);
  std::vector<Hash32> hashes;
  std::map<std::string, std::string> model;
  {
    auto s = StateStore::open(dir.path.string()).value();
    EXPECT_FALSE(s->initialized());
    EXPECT_FALSE(s->commit(1, {}));  // genesis first
    for (uint64_t h = 0; h < 20; ++h) {
      WriteSet w = random_writes(rng, 10);
      for (auto& [k, v] : w) {
        if (v) model[k] = *v;
        else model.erase(k);
      }
      hashes.push_back(s->commit(h, w).value());
    }
    EXPECT_FALSE(s->commit(5, {}));
    EXPECT_FALSE(s->commit(21, {}));
    EXPECT_EQ(s->height(), 19u);
  }
  auto s = StateStore::open(dir.path.string()).value();
  EXPECT_TRUE(s->initialized());
  EXPECT_EQ(s->height(), 19u);
  EXPECT_EQ(s->app_hash(), hashes.back());
  std::map<std::string, std::string> seen;
  s->scan("k", [&](std::string_view k, std::string_view v) { seen[std::string(k)] = std::string(v); });
  EXPECT_EQ(seen, model);
  // Same write sets from the start give the same hashes (determinism of the chain).
  TempDir dir2;
  auto s2 = StateStore::open(dir2.path.string()).value();
  std::mt19937_64 rng2(11);
  for (uint64_t h = 0; h < 20; ++h) EXPECT_EQ(s2->commit(h, random_writes(rng2, 10)).value(), hashes[h]);
}

TEST(StateStoreTest, BlockStateUndoRestoresTheMark) {
  TempDir dir;
  auto s = StateStore::open(dir.path.string()).value();
  ASSERT_TRUE(s->commit(0, {{"base", "b"}}));
  BlockState st(*s);
  st.put("x", "1");
  st.mark();
  st.put("x", "2");
  st.put("y", "3");
  st.erase("base");
  EXPECT_EQ(st.get("x"), "2");
  EXPECT_EQ(st.get("base"), std::nullopt);
  st.undo();
  EXPECT_EQ(st.get("x"), "1");
  EXPECT_EQ(st.get("y"), std::nullopt);
  EXPECT_EQ(st.get("base"), "b");
  EXPECT_EQ(st.writes().size(), 1u);
}

// A child commits blocks as fast as it can and is SIGKILLed at a random moment; the
// reopened store is always at the end of a whole block, with that block's app hash.
TEST(StateStoreTest, KilledMidCommitNeverHalfApplied) {
  std::vector<Hash32> expected;  // app hash after each height, from a reference run
  auto block_writes = [](uint64_t h) {
    WriteSet w;
    for (int i = 0; i < 200; ++i) w[key_of(i)] = std::to_string(h).append(500, 'v');
    return w;
  };
  {
    TempDir ref;
    auto s = StateStore::open(ref.path.string()).value();
    for (uint64_t h = 0; h < 400; ++h) expected.push_back(s->commit(h, block_writes(h)).value());
  }
  for (int trial = 0; trial < 3; ++trial) {
    TempDir dir;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = StateStore::open(dir.path.string());
      if (!s) _exit(2);
      for (uint64_t h = 0; h < 400; ++h)
        if (!(*s)->commit(h, block_writes(h))) _exit(3);
      _exit(0);
    }
    usleep(20'000 + 30'000 * trial);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    auto s = StateStore::open(dir.path.string()).value();
    if (!s->initialized()) continue;  // killed before the first commit
    uint64_t h = s->height();
    EXPECT_EQ(s->app_hash(), expected[h]) << "trial " << trial;
    std::string want = std::to_string(h).append(500, 'v');
    for (int i = 0; i < 200; ++i) EXPECT_EQ(s->get(key_of(i)), want) << "key " << i;
    // And it continues from there to the same hashes.
    for (uint64_t next = h + 1; next < std::min<uint64_t>(h + 5, 400); ++next)
      EXPECT_EQ(s->commit(next, block_writes(next)).value(), expected[next]);
  }
}

}  // namespace
}  // namespace ghost::ledger
