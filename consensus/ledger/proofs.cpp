#include "consensus/ledger/proofs.h"

#include <cmath>

#include "ml/canonical.h"
#include "ml/ghost_file.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/search_fraud.h"
#include "ml/verify/train_proof.h"
#include "ml/hopfield.h"

namespace ghost::ledger {
namespace {

ml::HopfieldSpec spec_of(const pb::Layer& l) {
  return {l.d(), l.d_out(), l.n(), l.k(), l.beta(), static_cast<ml::InputEncoding>(l.input_encoding())};
}

}  // namespace

Result<void> check_job_input(const pb::GhostFile& file, const std::string& input) {
  auto x = ml::query_from_input(as_bytes(input), spec_of(file.layers(0)));
  if (!x) return fail(x.error(), "input: ");
  return {};
}

Result<void> check_train_target(const pb::GhostFile& file, const std::string& target, float lr) {
  const pb::Layer& last = file.layers(file.layers_size() - 1);
  auto t = ml::decode_floats(as_bytes(target), last.d_out());
  if (!t) return fail(t.error(), "target: ");
  for (float v : *t)
    if (!std::isfinite(v)) return fail("target: a value is not finite");
  if (!std::isfinite(lr) || !(lr > 0)) return fail("lr must be finite and positive");
  return {};
}

namespace {

Result<ml::ModelVersion> ml_version(const pb::ModelInfo& model, uint64_t version, const pb::ModelVersion& roots) {
  auto v = ml::model_version(model.ghost_file());
  if (!v) return std::unexpected(v.error());
  v->model_id = Hash32::from_span(as_bytes(model.model_id()));
  v->version = version;
  if (static_cast<size_t>(roots.roots_size()) != v->roots.size()) return fail("stored roots do not match the model");
  for (int i = 0; i < roots.roots_size(); ++i) v->roots[i] = Hash32::from_span(as_bytes(roots.roots(i)));
  return v;
}

}  // namespace

Result<void> verify_inference(const pb::ModelInfo& model, uint64_t version, const pb::ModelVersion& roots,
                              const pb::GhostProof& proof) {
  auto v = ml_version(model, version, roots);
  if (!v) return std::unexpected(v.error());
  auto ok = ml::verify_ghost_proof(proof, *v);
  if (!ok) return std::unexpected(ok.error());
  return {};
}

Result<std::vector<std::string>> verify_training(const pb::ModelInfo& model, uint64_t version,
                                                 const pb::ModelVersion& roots, const pb::TrainProof& proof) {
  auto v = ml_version(model, version, roots);
  if (!v) return std::unexpected(v.error());
  auto next = ml::verify_train_proof(proof, *v);
  if (!next) return std::unexpected(next.error());
  std::vector<std::string> out;
  for (const Hash32& h : next->roots) out.emplace_back(h.bytes.begin(), h.bytes.end());
  return out;
}

Result<void> verify_search_fraud(const pb::ModelInfo& model, uint64_t version, const pb::ModelVersion& roots,
                                 const pb::GhostProof& answer, const pb::SearchFraudProof& fraud) {
  auto v = ml_version(model, version, roots);
  if (!v) return std::unexpected(v.error());
  return ml::verify_search_fraud(fraud, answer, *v);
}

}  // namespace ghost::ledger
