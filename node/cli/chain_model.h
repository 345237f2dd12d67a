// A model as the chain records it, read over RPC: the ghost file (it must hash to the model
// id, so no node can swap it) and the roots of one version (the node is trusted for those:
// with several nodes each is asked and all must agree; light-client proofs of the roots are
// the next step). This is what a client checks a worker's proof against.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "ml/ghost_file.h"
#include "proto/state.pb.h"

namespace ghost::cli {

struct ChainModel {
  pb::ModelInfo info;         // as the first node records it (current and final version)
  ml::ModelVersion version;   // layers, and the roots of the version asked for
  std::vector<std::string> nodes;  // the nodes that agreed on those roots
};

// The model `id` at `version` (its current version when absent) from every node in `nodes`.
// Unknown model: kExitUsage; a version the chain no longer keeps, a ghost file that does not
// hash to the id, or nodes that disagree: kExitUnverified.
ChainModel chain_model(const std::vector<std::string>& nodes, const Hash32& id, std::optional<uint64_t> version = {});

// A model id given on the command line (64 hex digits), else kExitUsage naming `flag`.
Hash32 parse_model_id(const std::string& text, const std::string& flag);

}  // namespace ghost::cli
