// TEST ONLY: the misbehaving worker modes (`ghostd start --worker --worker.cheat MODE`), which
// ghostd refuses unless the genesis sets test_modes. Each answers an inference job the way a
// dishonest or broken worker would, so the end-to-end tests can show every case ends as the
// protocol says (docs/protocol.md §6.3). Training jobs are answered honestly except by
// degraded_step, which answers inference honestly.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "node/worker/answer.h"

namespace ghost::worker {

enum class Cheat {
  none,
  wrong_output,    // the result's output is not the proof's: rejected on execution (BAD_PROOF)
  foreign_column,  // a selected column outside the model: the proof fails (BAD_PROOF)
  degraded_topk,   // a valid proof of the k LOWEST-scoring columns: a provable recall fault
  stale_version,   // the answer claims the version before the pinned one (VERSION_MISMATCH)
  silence,         // never answers: the deadline refunds the client, the stake pays the miss
  degraded_step,   // training from a forward pass of the k LOWEST columns: accepted, a provable
                   // fault whose proof rolls the step back (inference answered honestly)
};

// "" is none; an unknown name is an error listing the modes.
Result<Cheat> parse_cheat(const std::string& name);
const char* cheat_name(Cheat c);

// The misbehaving answer of a job (mode not none or silence); the kind a mode does not
// cheat on gets the honest answer_job.
std::expected<pb::TxBody, AnswerError> cheat_answer(Cheat mode, const ServedModel& model, const pb::Job& job);

}  // namespace ghost::worker
