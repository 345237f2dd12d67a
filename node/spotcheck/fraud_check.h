// The fraud rule a spot-checker applies to a sampled answer, in one place so it can be
// swapped: the canonical search (§3.22) replayed against the answer's selected sets, proven
// with a search fraud proof (docs/protocol.md §3.19) and submitted as a Challenge (§4.7.10).
#pragma once

#include <optional>

#include "base/result.h"
#include "crypto/hash.h"
#include "ml/ghost_file.h"
#include "ml/serve/model.h"
#include "proto/tx.pb.h"

namespace ghost::spotcheck {

// The Challenge of job `job_id` when `answer` (the proof its accepted result carried) is a
// provable fault, nullopt when it is not. `model` must hold exactly `version`'s weights (an
// error otherwise, kMismatch), and `answer` must verify against it.
Result<std::optional<pb::Challenge>> check_answer(const ml::Model& model, const ml::ModelVersion& version,
                                                  const Hash32& job_id, const pb::GhostProof& answer);

}  // namespace ghost::spotcheck
