// A deterministic discrete-event simulation of a Ghostchain validator network: virtual
// time, one seeded random source, a network with delay, loss, duplication, reordering and
// partitions, crash-restarts that keep only what was made durable, byzantine validators
// (equivocators and "twins") below 1/3 of the power (unless SimConfig::byzantine says otherwise), and stake changes at epoch boundaries.
// Same config and seed, same run: a failure is replayed from its seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ghost::sim {

struct SimConfig {
  uint64_t seed = 1;
  size_t validators = 4;        // genesis validators
  size_t spares = 1;            // nodes with no stake at genesis that may join later
  bool faults = true;           // network faults, crashes and byzantine validators
  uint64_t fault_ms = 15000;    // faults stop at this virtual time
  uint64_t liveness_ms = 30000; // afterwards every honest node must decide within this bound
  bool stop_when_live = true;   // end the run once every honest node decided after the faults
  // Harness only, for the checker's self-test: exactly this many byzantine validators, even
  // above the f < n/3 the protocol tolerates (with f + 1 of them safety can break, and the
  // checker must say so). Unset: the default, a random number up to f when faults are on.
  std::optional<size_t> byzantine;
  // A CometBFT-style WAL crash test: node 0 crashes at its n-th WAL write of this height.
  std::optional<std::pair<uint64_t, uint64_t>> wal_crash;  // (height, n)
  bool verbose = false;
};

struct SimResult {
  std::optional<std::string> violation;  // the first invariant broken, if any
  uint64_t max_height = 0;               // highest height decided by any node
  uint64_t min_honest_height = 0;        // lowest ledger height among honest nodes at the end
  uint64_t events = 0;
  uint64_t virtual_ms = 0;
  uint64_t crashes = 0;
  uint64_t evidence = 0;
  uint64_t wal_writes_at_height = 0;     // node 0's WAL writes while at wal_crash's height
  bool ok() const { return !violation; }
};

SimResult run_simulation(const SimConfig& config);

}  // namespace ghost::sim
