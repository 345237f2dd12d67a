// Tests of the simulator itself: it is deterministic, its checker catches a broken engine,
// crashes at every WAL write of a height are survived, and its store loses exactly what a
// crash loses.
#include <gtest/gtest.h>

#include "tests/sim/sim_store.h"
#include "tests/sim/sim_world.h"

namespace ghost::sim {
namespace {

// The self-test sweep: fixed, so a checker that stops catching fails. Since the engine keeps
// an equivocating proposer's other proposals (docs/protocol.md §5.1), forks with f + 1
// byzantine validators are rarer: the first agreement violation is at seed 128.
constexpr uint64_t kSelfTestSeeds = 300;

TEST(BftSim, SameSeedSameRun) {
  for (uint64_t seed : {3, 17}) {
    SimConfig cfg;
    cfg.seed = seed;
    cfg.validators = 7;
    SimResult a = run_simulation(cfg), b = run_simulation(cfg);
    EXPECT_TRUE(a.ok()) << *a.violation;
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.max_height, b.max_height);
    EXPECT_EQ(a.virtual_ms, b.virtual_ms);
    EXPECT_EQ(a.crashes, b.crashes);
    EXPECT_EQ(a.evidence, b.evidence);
  }
}

TEST(BftSim, NoFaultsDecidesSteadily) {
  SimConfig cfg;
  cfg.faults = false;
  cfg.stop_when_live = false;
  cfg.liveness_ms = 20000;
  SimResult r = run_simulation(cfg);
  ASSERT_TRUE(r.ok()) << *r.violation;
  EXPECT_GE(r.max_height, 20u);  // ~0.6 s per height: commit timeout plus message delays
  EXPECT_GE(r.min_honest_height + 1, r.max_height);
}

// The checker can fail: with f + 1 byzantine validators (one more than the protocol
// tolerates) equivocators and twins can make honest nodes decide different blocks, and some
// seed of a fixed small sweep is caught breaking agreement. The engine is the real one.
TEST(BftSim, CheckerCatchesTooManyByzantineValidators) {
  SimConfig cfg;
  cfg.validators = 4;
  cfg.byzantine = 2;  // f = 1 for four validators
  std::optional<std::string> caught;
  for (uint64_t seed = 1; seed <= kSelfTestSeeds && !caught; ++seed) {
    cfg.seed = seed;
    SimResult r = run_simulation(cfg);
    if (r.violation && r.violation->find("agreement") != std::string::npos) caught = r.violation;
  }
  ASSERT_TRUE(caught) << "no agreement violation found with f + 1 byzantine validators";
  std::printf("caught: %s\n", caught->c_str());
}

// CometBFT-style WAL crash test: node 0 crashes at each WAL write (appends and syncs) of
// one height in turn, restarts from what was synced, and the network still decides.
TEST(BftSim, CrashAtEveryWalWriteOfAHeight) {
  SimConfig cfg;
  cfg.faults = false;
  cfg.liveness_ms = 15000;
  cfg.stop_when_live = false;
  cfg.wal_crash = {{3, 0}};  // count only
  SimResult dry = run_simulation(cfg);
  ASSERT_TRUE(dry.ok()) << *dry.violation;
  ASSERT_GE(dry.wal_writes_at_height, 8u);
  std::printf("crash points (WAL writes of node 0 at height 3): %llu\n", (unsigned long long)dry.wal_writes_at_height);
  for (uint64_t n = 1; n <= dry.wal_writes_at_height; ++n) {
    cfg.wal_crash = {{3, n}};
    SimResult r = run_simulation(cfg);
    ASSERT_TRUE(r.ok()) << "crash at WAL write " << n << ": " << *r.violation;
    EXPECT_EQ(r.crashes, 1u) << "crash at WAL write " << n;
    EXPECT_GE(r.min_honest_height, 8u) << "crash at WAL write " << n;
  }
}

TEST(BftSimStore, CrashKeepsOnlyWhatWasDurable) {
  MemStore s;
  std::mt19937_64 rng(1);
  ASSERT_TRUE(s.append("wal", as_bytes("abc")));
  ASSERT_TRUE(s.sync("wal"));
  ASSERT_TRUE(s.append("wal", as_bytes("def")));
  ASSERT_TRUE(s.write_atomic("signer", as_bytes("S1")));
  EXPECT_EQ(**s.read("wal"), Bytes({'a', 'b', 'c', 'd', 'e', 'f'}));
  s.crash(rng, false);
  EXPECT_EQ(**s.read("wal"), Bytes({'a', 'b', 'c'}));
  EXPECT_EQ(**s.read("signer"), Bytes({'S', '1'}));
  ASSERT_TRUE(s.append("wal", as_bytes("0123456789")));
  s.crash(rng, true);
  Bytes torn = **s.read("wal");
  EXPECT_GE(torn.size(), 3u);
  EXPECT_LT(torn.size(), 13u);
  s.crash_at_write("wal", 2);
  EXPECT_TRUE(s.append("wal", as_bytes("x")));
  EXPECT_THROW((void)s.sync("wal"), Crash);
}

}  // namespace
}  // namespace ghost::sim
