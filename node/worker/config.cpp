#include "node/worker/config.h"

#include "node/worker/cheat.h"

namespace ghost::worker {

Result<void> validate_worker_config(const WorkerConfig& c) {
  if (c.queue == 0) return fail("worker.queue must be positive (jobs held while the threads are busy)");
  if (c.threads == 0) return fail("worker.threads must be positive");
  if (auto m = parse_cheat(c.cheat); !m) return std::unexpected(m.error());
  for (const auto& d : c.model_dirs)
    if (d.empty()) return fail("worker.model_dirs holds an empty folder name");
  return {};
}

}  // namespace ghost::worker
