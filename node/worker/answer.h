// A job's answer, computed from the served weights: the body of the result tx that the
// worker signs (InferenceResult on the job's pinned version with its ghost proof, TrainResult
// from the newest version with its training proof).
#pragma once

#include "node/worker/served_model.h"
#include "proto/state.pb.h"
#include "proto/tx.pb.h"

namespace ghost::worker {

// Why a job got no answer, as the metrics count it.
enum class Refusal { kVersionNotHeld, kBadJob, kComputeFailed };
const char* refusal_name(Refusal r);

struct AnswerError {
  Refusal why;
  std::string message;
};

std::expected<pb::TxBody, AnswerError> answer_job(const ServedModel& model, const pb::Job& job);
// The InferenceResult of `job` carrying `proof` (its output is the proof's last layer's).
pb::TxBody inference_result(const pb::Job& job, pb::GhostProof proof);
// The TrainResult of `job` carrying `proof`.
pb::TxBody train_result(const pb::Job& job, pb::TrainProof proof);

}  // namespace ghost::worker
