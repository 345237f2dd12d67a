#include "node/spotcheck/fraud_check.h"

#include "ml/serve/prove.h"

namespace ghost::spotcheck {

Result<std::optional<pb::Challenge>> check_answer(const ml::Model& model, const ml::ModelVersion& version,
                                                  const Hash32& job_id, const pb::GhostProof& answer) {
  auto fraud = ml::find_search_fraud(model, version, answer);
  if (!fraud) return std::unexpected(fraud.error());
  if (!*fraud) return std::optional<pb::Challenge>{};
  pb::Challenge c;
  c.set_job_id(std::string(job_id.bytes.begin(), job_id.bytes.end()));
  *c.mutable_fraud() = std::move(**fraud);
  *c.mutable_answer() = answer;
  return std::optional<pb::Challenge>(std::move(c));
}

}  // namespace ghost::spotcheck
