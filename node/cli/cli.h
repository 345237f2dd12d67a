// The `ghost` client's command groups register here (keys, model, tx, query, testnet), and
// share one way to fail: a CommandError carries the exit code that `ghost --help` promises.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

#include "base/result.h"

namespace ghost::cli {

// Exit codes, the same for every command.
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,        // bad arguments, files or input; anything else that failed
  kExitRejected = 2,     // the chain refused the tx (the receipt's code is printed)
  kExitUnreachable = 3,  // the node cannot be reached, or it serves another chain
  kExitTimeout = 4,      // the tx was not committed in time (it may still be), or a job not closed
  kExitRefunded = 5,     // a paid job was refunded: no answer by its deadline, or its answer proven wrong
  kExitUnverified = 6,   // a proof failed the local check, or the nodes disagree about a model's roots
};
inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 done, 1 usage or other error, 2 tx rejected (its receipt code is printed), "
    "3 node unreachable or wrong chain, 4 timed out, 5 job refunded (no answer by its deadline, or the "
    "answer proven wrong), 6 a proof failed the local check (even if the chain accepted it).";

struct CommandError : std::runtime_error {
  int code;
  CommandError(int c, const std::string& what) : std::runtime_error(what), code(c) {}
};

[[noreturn]] inline void fail_with(int code, const std::string& message) { throw CommandError(code, message); }

template <class T>
T need(Result<T> r, const std::string& context, int code = kExitUsage) {
  if (!r) fail_with(code, context + ": " + r.error().message);
  return std::move(*r);
}
inline void need(const Result<void>& r, const std::string& context, int code = kExitUsage) {
  if (!r) fail_with(code, context + ": " + r.error().message);
}

// Adds one command group to the app; called once at start-up for every registered group.
using CommandGroup = std::function<void(CLI::App& app)>;
bool register_group(CommandGroup group);
void add_all_groups(CLI::App& app);

}  // namespace ghost::cli

#define GHOST_CLI_GROUP(fn) static const bool ghost_cli_registered_##fn = ::ghost::cli::register_group(fn)
