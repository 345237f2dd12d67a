// The `ghost` client's command groups register here (keys, model, tx, query, testnet).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace ghost::cli {

// Adds one command group to the app; called once at start-up for every registered group.
using CommandGroup = std::function<void(CLI::App& app)>;
bool register_group(CommandGroup group);
void add_all_groups(CLI::App& app);

}  // namespace ghost::cli

#define GHOST_CLI_GROUP(fn) static const bool ghost_cli_registered_##fn = ::ghost::cli::register_group(fn)
