// In-memory DurableStore for the simulator. A crash keeps exactly what was made durable
// (write_atomic, truncate, synced appends) plus, at random, a prefix of the unsynced tail,
// which is what a torn write leaves on a real disk. A crash can also be injected at the
// n-th write to one file (CometBFT-style WAL crash tests).
#pragma once

#include <map>
#include <optional>
#include <random>

#include "consensus/bft/durable_store.h"

namespace ghost::sim {

// Thrown out of a write when an injected crash point is reached; the node catches it.
struct Crash {};

class MemStore : public bft::DurableStore {
 public:
  Result<std::optional<Bytes>> read(const std::string& name) override;
  Result<void> write_atomic(const std::string& name, ByteSpan data) override;
  Result<void> append(const std::string& name, ByteSpan data) override;
  Result<void> sync(const std::string& name) override;
  Result<void> truncate(const std::string& name, uint64_t size) override;

  // Loses what was not durable; keeps a random prefix of each unsynced tail when `torn`.
  void crash(std::mt19937_64& rng, bool torn);
  // Throws Crash at the start of the n-th (1-based) append/sync/write to `file` from now.
  void crash_at_write(const std::string& file, uint64_t n) { crash_file_ = file, crash_countdown_ = n; }
  uint64_t writes(const std::string& file) const;

 private:
  struct File {
    Bytes durable, pending;
    uint64_t writes = 0;
  };
  void count_write(const std::string& name);
  std::map<std::string, File> files_;
  std::string crash_file_;
  uint64_t crash_countdown_ = 0;
};

}  // namespace ghost::sim
