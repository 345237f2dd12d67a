// The model registry's view of ghost files: validity, model id and per-tensor roots.
#pragma once

#include <string>
#include <vector>

#include "crypto/hash.h"
#include "base/result.h"
#include "proto/ghost.pb.h"

namespace ghost::ledger {

// Fails with the reason when the ghost file is not one the chain can verify proofs
// against; otherwise returns its model id.
Result<Hash32> check_ghost_file(const pb::GhostFile& file);
// The roots of every tensor in ghost-file order: a model's version 0.
std::vector<std::string> ghost_file_roots(const pb::GhostFile& file);

}  // namespace ghost::ledger
