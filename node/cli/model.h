// `ghost model` subcommands that live in files of their own share these.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

#include "proto/ghost.pb.h"

namespace ghost::cli {

// Writes DIR/model.ghost for a freshly built model folder (its search graph is built with the
// weights) and prints the ghost file.
void finish_build(const std::filesystem::path& dir, unsigned threads);

// `ghost model import`: a model folder from exported NumPy or safetensors weights.
void add_import(CLI::App& model);

// `ghost model register DIR|FILE`: a model folder's (or a .ghost file's) ghost file on chain,
// owned by the signer. The owner is part of the model id, so the file is rewritten with it.
void add_register(CLI::App& model);

inline constexpr const char* kGhostFileName = "model.ghost";

// DIR/model.ghost, checked against the folder it describes: byte for byte the ghost file its
// weights, search and settings imply (with the file's owner, policy and price). Throws saying
// to rebuild the folder when it differs: a folder built by another version of ghost, or edited.
pb::GhostFile checked_ghost_file(const std::filesystem::path& dir);

// FILE itself, or DIR/model.ghost for a model directory.
std::filesystem::path ghost_file_path(const std::string& dir_or_file);

}  // namespace ghost::cli
