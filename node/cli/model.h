// `ghost model` subcommands that live in files of their own share these.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>

namespace ghost::cli {

// Writes DIR/model.ghost for a freshly built model folder (building its index on the way)
// and prints the ghost file.
void finish_build(const std::filesystem::path& dir, unsigned threads, bool index);

// `ghost model import`: a model folder from exported NumPy or safetensors weights.
void add_import(CLI::App& model);

}  // namespace ghost::cli
