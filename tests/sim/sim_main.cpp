// ghost_sim: runs the consensus simulator over a range of seeds and reports violations.
//   ghost_sim --validators 7 --first 1 --seeds 200     a sweep (exit 1 on any violation)
//   ghost_sim --validators 7 --seed 42 --verbose        replay one seed
//   ghost_sim --validators 4 --byzantine 2 --expect-violation   the checker's self-test
// GHOST_SIM_SEEDS=<n> overrides --seeds (long runs from ctest); anything but a decimal
// count >= 1 is an error, never a sweep of zero seeds.
#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "tests/sim/sim_world.h"

int main(int argc, char** argv) {
  CLI::App app{"Ghostchain consensus simulator"};
  ghost::sim::SimConfig cfg;
  uint64_t first = 1, seeds = 100;
  std::optional<uint64_t> seed;
  bool no_faults = false, expect_violation = false;
  app.add_option("--validators", cfg.validators, "genesis validators");
  app.add_option("--spares", cfg.spares, "nodes that may join through stake changes");
  app.add_option("--first", first, "first seed of the sweep");
  app.add_option("--seeds", seeds, "number of seeds");
  app.add_option("--seed", seed, "run (replay) this one seed");
  app.add_option("--fault-ms", cfg.fault_ms, "virtual time with faults");
  app.add_option("--liveness-ms", cfg.liveness_ms, "bound for deciding again after faults stop");
  app.add_flag("--no-faults", no_faults, "no faults at all");
  app.add_option("--byzantine", cfg.byzantine,
                 "checker self-test: exactly this many byzantine validators, even f + 1 or more");
  app.add_flag("--expect-violation", expect_violation, "succeed only if some seed breaks an invariant");
  app.add_flag("--verbose", cfg.verbose, "print each seed's outcome");
  CLI11_PARSE(app, argc, argv);
  if (const char* env = std::getenv("GHOST_SIM_SEEDS")) {
    const std::string_view text(env);
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || text[0] < '0' || text[0] > '9' || ec != std::errc{} || end != text.data() + text.size() || n == 0) {
      std::fprintf(stderr, "ghost_sim: GHOST_SIM_SEEDS='%s' is not a decimal seed count >= 1\n", env);
      return 2;
    }
    seeds = n;
  }
  if (seed) first = *seed, seeds = 1;
  cfg.faults = !no_faults;

  auto t0 = std::chrono::steady_clock::now();
  uint64_t failures = 0, heights = 0, crashes = 0, evidence = 0;
  for (uint64_t s = first; s < first + seeds; ++s) {
    cfg.seed = s;
    auto r = ghost::sim::run_simulation(cfg);
    heights += r.max_height;
    crashes += r.crashes;
    evidence += r.evidence;
    if (cfg.verbose || !r.ok())
      std::printf("seed %llu: %s height %llu (honest min %llu), %llu events, %llu crashes, %llu evidence%s%s\n",
                  (unsigned long long)s, r.ok() ? "ok" : "VIOLATION", (unsigned long long)r.max_height,
                  (unsigned long long)r.min_honest_height, (unsigned long long)r.events,
                  (unsigned long long)r.crashes, (unsigned long long)r.evidence, r.ok() ? "" : "\n  ",
                  r.violation.value_or("").c_str());
    if (!r.ok()) {
      ++failures;
      if (!expect_violation)
        std::printf("  replay: ghost_sim --validators %zu --seed %llu%s --verbose\n", cfg.validators,
                    (unsigned long long)s,
                    cfg.byzantine ? (" --byzantine " + std::to_string(*cfg.byzantine)).c_str() : "");
      else
        break;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu seeds x %zu validators: %llu violations, %llu heights decided, %llu crashes, %llu evidence, %.1f s\n",
              (unsigned long long)seeds, cfg.validators, (unsigned long long)failures, (unsigned long long)heights,
              (unsigned long long)crashes, (unsigned long long)evidence, secs);
  if (expect_violation) return failures ? 0 : 1;
  return failures ? 1 : 0;
}
