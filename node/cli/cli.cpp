#include "node/cli/cli.h"

#include <vector>

namespace ghost::cli {

static std::vector<CommandGroup>& groups() {
  static std::vector<CommandGroup> g;
  return g;
}

bool register_group(CommandGroup group) {
  groups().push_back(std::move(group));
  return true;
}

void add_all_groups(CLI::App& app) {
  for (auto& g : groups()) g(app);
}

}  // namespace ghost::cli
