#include "node/worker/answer.h"

#include "ml/canonical.h"

namespace ghost::worker {

const char* refusal_name(Refusal r) {
  switch (r) {
    case Refusal::kVersionNotHeld: return "version_not_held";
    case Refusal::kBadJob: return "bad_job";
    case Refusal::kComputeFailed: return "compute_failed";
  }
  return "unknown";
}

pb::TxBody inference_result(const pb::Job& job, pb::GhostProof proof) {
  pb::TxBody body;
  auto* r = body.mutable_inference_result();
  r->set_job_id(job.job_id());
  r->set_output(proof.layers(proof.layers_size() - 1).output());
  *r->mutable_proof() = std::move(proof);
  return body;
}

pb::TxBody train_result(const pb::Job& job, pb::TrainProof proof) {
  pb::TxBody body;
  auto* r = body.mutable_train_result();
  r->set_job_id(job.job_id());
  *r->mutable_proof() = std::move(proof);
  return body;
}

std::expected<pb::TxBody, AnswerError> answer_job(const ServedModel& model, const pb::Job& job) {
  if (job.kind() == pb::INFERENCE) {
    auto proof = model.prove_inference(job.version(), as_bytes(job.input()));
    if (!proof)
      return std::unexpected(AnswerError{proof.error().code == Errc::kNotFound ? Refusal::kVersionNotHeld
                                                                                : Refusal::kComputeFailed,
                                         proof.error().message});
    return inference_result(job, std::move(*proof));
  }
  if (job.kind() != pb::TRAINING) return std::unexpected(AnswerError{Refusal::kBadJob, "unknown job kind"});
  const size_t d_out = job.target().size() / 4;
  auto target = ml::decode_floats(as_bytes(job.target()), d_out);
  if (!target) return std::unexpected(AnswerError{Refusal::kBadJob, "target: " + target.error().message});
  auto proof = model.prove_training(as_bytes(job.input()), *target, job.lr());
  if (!proof) return std::unexpected(AnswerError{Refusal::kComputeFailed, proof.error().message});
  return train_result(job, std::move(*proof));
}

}  // namespace ghost::worker
