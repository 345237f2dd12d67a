// The [worker] section of ghostd's configuration (every field also a flag of `ghostd start`,
// node/daemon/config.cpp): which model folders to serve and how much work to hold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace ghost::worker {

struct WorkerConfig {
  std::vector<std::string> model_dirs;  // model folders (`ghost model build`), relative to the home or absolute
  uint32_t queue = 128;                 // jobs waiting for a thread (at least the stake's capacity);
                                        // beyond it a job is dropped and counted
  uint32_t threads = 2;                 // threads running forward passes and training steps
  std::string cheat;                    // TEST ONLY (genesis test_modes): a misbehaving mode, cheat.h
};

// Values that parse but cannot work (no queue, no threads).
Result<void> validate_worker_config(const WorkerConfig& config);

}  // namespace ghost::worker
