#include "node/spotcheck/config.h"

namespace ghost::spotcheck {

Result<void> validate_spot_check_config(const SpotCheckConfig& c) {
  if (c.queue == 0) return fail("spot_check.queue must be positive (answers held while the threads are busy)");
  if (c.threads == 0) return fail("spot_check.threads must be positive");
  for (const auto& d : c.model_dirs)
    if (d.empty()) return fail("spot_check.model_dirs holds an empty folder name");
  return {};
}

}  // namespace ghost::spotcheck
