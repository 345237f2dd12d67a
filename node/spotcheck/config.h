// The [spot_check] section of ghostd's configuration (every field also a flag of `ghostd
// start`, node/daemon/config.cpp): the model folders a validator checks answers with, and how
// much checking it holds at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace ghost::spotcheck {

struct SpotCheckConfig {
  bool enabled = true;                  // with --validator and at least one folder
  std::vector<std::string> model_dirs;  // model folders, opened read-only (a worker's folder may be shared)
  uint32_t threads = 1;                 // threads recomputing exact top-k
  uint32_t queue = 64;                  // sampled answers waiting for a thread; beyond it one is dropped and counted
};

// Values that parse but cannot work.
Result<void> validate_spot_check_config(const SpotCheckConfig& config);

}  // namespace ghost::spotcheck
