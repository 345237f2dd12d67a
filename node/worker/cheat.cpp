#include "node/worker/cheat.h"

#include <algorithm>

#include "ml/canonical.h"

namespace ghost::worker {

namespace {

constexpr Cheat kModes[] = {Cheat::wrong_output, Cheat::foreign_column, Cheat::degraded_topk, Cheat::stale_version,
                            Cheat::silence,       Cheat::degraded_step};

// The k columns that score lowest: the exact top-k of the opposite query (still unit length).
ml::Model::Selector lowest_columns(const ml::Model& model) {
  return [&model](size_t layer, std::span<const float> x_hat) -> Result<std::vector<ml::Scored>> {
    std::vector<float> opposite(x_hat.begin(), x_hat.end());
    for (float& v : opposite) v = -v;
    return model.exact_top_k(layer, opposite);
  };
}

}  // namespace

const char* cheat_name(Cheat c) {
  switch (c) {
    case Cheat::none: return "";
    case Cheat::wrong_output: return "wrong_output";
    case Cheat::foreign_column: return "foreign_column";
    case Cheat::degraded_topk: return "degraded_topk";
    case Cheat::stale_version: return "stale_version";
    case Cheat::silence: return "silence";
    case Cheat::degraded_step: return "degraded_step";
  }
  return "";
}

Result<Cheat> parse_cheat(const std::string& name) {
  if (name.empty()) return Cheat::none;
  std::string names;
  for (Cheat c : kModes) {
    if (name == cheat_name(c)) return c;
    names += std::string(names.empty() ? "" : ", ") + cheat_name(c);
  }
  return fail("worker.cheat: unknown mode \"" + name + "\" (one of " + names + ")");
}

std::expected<pb::TxBody, AnswerError> cheat_answer(Cheat mode, const ServedModel& model, const pb::Job& job) {
  if (mode == Cheat::degraded_step) {
    if (job.kind() != pb::TRAINING) return answer_job(model, job);
    const size_t d_out = job.target().size() / 4;
    auto target = ml::decode_floats(as_bytes(job.target()), d_out);
    if (!target) return std::unexpected(AnswerError{Refusal::kBadJob, "target: " + target.error().message});
    auto proof = model.prove_training(as_bytes(job.input()), *target, job.lr(), lowest_columns);
    if (!proof) return std::unexpected(AnswerError{Refusal::kComputeFailed, proof.error().message});
    return train_result(job, std::move(*proof));
  }
  if (job.kind() != pb::INFERENCE) return answer_job(model, job);
  if (mode == Cheat::degraded_topk) {
    auto proof = model.prove_inference(job.version(), as_bytes(job.input()), lowest_columns);
    if (!proof) return std::unexpected(AnswerError{Refusal::kComputeFailed, proof.error().message});
    return inference_result(job, std::move(*proof));
  }
  auto body = answer_job(model, job);
  if (!body) return body;
  auto* r = body->mutable_inference_result();
  switch (mode) {
    case Cheat::wrong_output:
      if (!r->output().empty()) (*r->mutable_output())[0] ^= 0x01;  // a different float, same length
      break;
    case Cheat::foreign_column: {
      auto* sel = r->mutable_proof()->mutable_layers(0)->mutable_selected();
      if (!sel->empty()) sel->Set(sel->size() - 1, uint64_t(1) << 40);  // past any model's columns
      break;
    }
    case Cheat::stale_version:  // a model never trained has no older version: claim the next
      r->mutable_proof()->set_version(job.version() > 0 ? job.version() - 1 : job.version() + 1);
      break;
    default: break;
  }
  return body;
}

}  // namespace ghost::worker
