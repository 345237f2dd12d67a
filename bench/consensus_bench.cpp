// The `consensus` suite: how fast the BFT core decides in the simulator, a long seed sweep
// whose violation count must be 0, and the conformance replay of the Tendermint spec's
// traces (tests/conformance), whose divergence count must be 0 too.
#include <chrono>
#include <cstdlib>

#include "bench/bench.h"
#include "crypto/keys.h"
#include "tests/conformance/replay.h"
#include "tests/conformance/trace_source.h"
#include "tests/sim/sim_world.h"

namespace ghost::bench {
namespace {

void consensus_suite(Context& ctx) {
  // Heights per second of wall time: 4 validators, no faults, 60 s of virtual time.
  sim::SimConfig fast;
  fast.faults = false;
  fast.stop_when_live = false;
  fast.liveness_ms = ctx.quick() ? 30000 : 60000;
  uint64_t heights = 0;
  double secs = median_seconds(3, [&] { heights = sim::run_simulation(fast).max_height; });
  double per_s = double(heights) / secs;
  ctx.report({"consensus.sim_heights_per_s", per_s, "1/s", "", "4 validators, no faults"});

  // Baseline: the signatures one height needs (a proposal plus 2 votes per validator, each
  // signed once and verified once thanks to the signature cache).
  PrivateKey key = PrivateKey::from_seed("bench");
  Hash32 digest = sha256(std::string_view("vote"));
  Signature sig = key.sign_hash(digest);
  double crypto = median_seconds(3, [&] {
    for (int i = 0; i < 9; ++i) {
      (void)key.sign_hash(digest, std::array<uint8_t, 32>{});
      (void)verify_hash(key.public_key(), digest, sig);
    }
  });
  ctx.report({"consensus.height_cost_vs_crypto", (secs / double(heights)) / crypto, "ratio",
              "signing+verifying one height's 9 messages", "everything else the simulated height costs"});

  // The sweep.
  uint64_t per_size = ctx.quick() ? 15 : 150, seeds = 0, violations = 0;
  for (size_t n : {4, 7, 10}) {
    ctx.progress("sweep: " + std::to_string(per_size) + " seeds x " + std::to_string(n) + " validators");
    for (uint64_t s = 1; s <= per_size; ++s) {
      sim::SimConfig cfg;
      cfg.validators = n;
      cfg.seed = 1'000'000 + s;  // not the ctest seeds
      ++seeds;
      if (!sim::run_simulation(cfg).ok()) ++violations;
    }
  }
  ctx.report({"consensus.sim_seeds", double(seeds), "seeds", "", "faults: loss, dup, delay, partitions, crashes, byzantine"});
  ctx.report({"consensus.sim_violations", double(violations), "count", "", "must be 0"});

  // The shipped spec traces, plus GHOST_MBT_TRACES_DIR (e.g. ones `generate` made) when set.
  mbt::Tally tally;
  std::string sources = "shipped traces";
  auto replay_all = [&](const std::string& path) {
    ctx.progress("replaying spec traces from " + path);
    must(mbt::for_each_trace(path, [&](const mbt::Trace& t) { return mbt::replay(t, tally); }), "spec traces");
  };
  replay_all(GHOST_MBT_TRACES);
  if (const char* dir = std::getenv("GHOST_MBT_TRACES_DIR"); dir && *dir) {
    replay_all(dir);
    sources += " + " + std::string(dir);
  }
  ctx.report({"consensus.mbt_traces", double(tally.traces), "traces", "", sources});
  ctx.report({"consensus.mbt_steps_compared", double(tally.steps_compared), "process-steps", "",
              "a correct process's state and broadcasts after one of its steps"});
  ctx.report({"consensus.mbt_divergences", double(tally.diverged_steps), "count", "", "must be 0"});
}

GHOST_BENCH_SUITE("consensus", "BFT engine in the deterministic simulator", consensus_suite);

}  // namespace
}  // namespace ghost::bench
