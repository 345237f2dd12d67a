// `ghost model register DIR|FILE`: a model folder's (or a .ghost file's) ghost file on chain,
// owned by the signer. The owner is part of the model id, so the file is rewritten with it.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace ghost::cli {

inline constexpr const char* kGhostFileName = "model.ghost";

// FILE itself, or DIR/model.ghost for a model directory.
std::filesystem::path ghost_file_path(const std::string& dir_or_file);

void add_register(CLI::App& model);

}  // namespace ghost::cli
