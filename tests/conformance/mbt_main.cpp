// ghost_mbt: replays ITF traces of Informal Systems' Quint Tendermint spec through the BFT
// engine (tests/conformance/README.md).
//   ghost_mbt --trace faulty_3.itf.json [--verbose]
//   ghost_mbt --traces DIR_OR_ARCHIVE.tar.zst
// Exit 0 only if every correct process matched at every step of every trace.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "tests/conformance/replay.h"
#include "tests/conformance/trace_source.h"

int main(int argc, char** argv) {
  CLI::App app{"Ghostchain consensus conformance: Tendermint spec traces through the BFT engine"};
  std::string trace, traces;
  bool verbose = false;
  auto* one = app.add_option("--trace", trace, "one ITF trace (.itf.json)");
  auto* many = app.add_option("--traces", traces, "a folder of *.itf.json traces, or a .tar.zst of them");
  one->excludes(many);
  app.add_flag("--verbose", verbose, "print every compared step");
  CLI11_PARSE(app, argc, argv);
  if (trace.empty() && traces.empty()) {
    std::fprintf(stderr, "ghost_mbt: give --trace FILE or --traces DIR\n");
    return 2;
  }
  ghost::mbt::Tally tally;
  auto r = ghost::mbt::for_each_trace(trace.empty() ? traces : trace, [&](const ghost::mbt::Trace& t) {
    return ghost::mbt::replay(t, tally, verbose ? stdout : nullptr);
  });
  for (const auto& d : tally.divergences) std::printf("DIVERGENCE %s\n", d.str().c_str());
  for (const auto& [what, n] : tally.accepted) std::printf("accepted difference: %s: %llu process-steps\n", what.c_str(), (unsigned long long)n);
  std::printf("messages held until the engine reached their round (the spec has no line 55): %llu\n",
              (unsigned long long)tally.held_messages);
  for (const auto& [why, n] : tally.not_compared)
    std::printf("not compared, %s: %llu process-steps\n", why.c_str(), (unsigned long long)n);
  std::printf("%llu traces, %llu process-steps compared, %llu divergences\n", (unsigned long long)tally.traces,
              (unsigned long long)tally.steps_compared, (unsigned long long)tally.diverged_steps);
  if (!r) {
    std::fprintf(stderr, "ghost_mbt: %s\n", r.error().message.c_str());
    return 1;
  }
  return tally.diverged_steps == 0 ? 0 : 1;
}
