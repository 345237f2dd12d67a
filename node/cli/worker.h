// `ghost worker register|status`: a worker's stake and profile (models served, price,
// endpoint), and what it has done: jobs served and open, pay pending settlement, misses,
// faults, penalties and jail.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "proto/tx.pb.h"

namespace ghost::cli {

// A worker Stake's profile from the flags: model ids (64 hex digits each), price in credits,
// endpoint HOST:PORT (or empty), capacity (jobs open at once). Bad values fail with
// kExitUsage naming the flag.
void set_worker_profile(pb::Stake& stake, const std::vector<std::string>& models, const std::string& price,
                        const std::string& endpoint, uint32_t capacity);

// --capacity: the jobs the chain may assign the worker before it answers some.
void add_capacity_option(CLI::App& cmd, uint32_t& capacity);

}  // namespace ghost::cli
