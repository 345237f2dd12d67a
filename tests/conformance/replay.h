// Replays an ITF trace of the Tendermint spec through one bft::Engine per correct process:
// each engine is fed what its process consumes, in trace order (messages signed by their
// senders, timeouts when the trace fires them, block validity answered at once), and after
// every step of that process its round, step, lock, valid value, decision and broadcasts
// are compared with the spec's. Differences the protocol docs accept (docs/protocol.md,
// "Conformance with the Tendermint spec") are counted by name; anything else diverges.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/conformance/itf.h"

namespace ghost::mbt {

struct Divergence {
  std::string trace;
  size_t step = 0;
  std::string process, field, expected, got;
  std::string str() const;
};

struct Tally {
  uint64_t traces = 0;
  uint64_t steps_compared = 0;      // (correct process, step) pairs compared
  std::vector<Divergence> divergences;
  uint64_t diverged_steps = 0;      // process-steps with at least one divergence
  // Documented differences (docs/protocol.md §5.12): name -> process-steps they covered.
  std::map<std::string, uint64_t> accepted;
  // Steps of a process after its state stopped being comparable: why -> process-steps.
  std::map<std::string, uint64_t> not_compared;
  uint64_t held_messages = 0;       // messages held until the engine reached their round (§5.12)
};

// Adds `trace` to `tally`. An error means the trace cannot be replayed at all (not a spec
// trace, an unknown module): the caller fails on it, it is never skipped.
Result<void> replay(const Trace& trace, Tally& tally, std::FILE* verbose = nullptr);

}  // namespace ghost::mbt
