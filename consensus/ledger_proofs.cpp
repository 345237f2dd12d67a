#include "consensus/ledger_proofs.h"

#include <cmath>

#include "ml/canonical.h"
#include "ml/hopfield.h"

namespace ghost::consensus {
namespace {

ml::HopfieldSpec spec_of(const pb::Layer& l) {
  return {l.d(), l.d_out(), l.n(), l.k(), l.beta(), l.min_recall(), static_cast<ml::InputEncoding>(l.input_encoding())};
}

}  // namespace

Result<void> check_job_input(const pb::GhostFile& file, const std::string& input) {
  auto x = ml::query_from_input(as_bytes(input), spec_of(file.layers(0)));
  if (!x) return fail("input: " + x.error().message);
  return {};
}

Result<void> check_train_target(const pb::GhostFile& file, const std::string& target, float lr) {
  const pb::Layer& last = file.layers(file.layers_size() - 1);
  auto t = ml::decode_floats(as_bytes(target), last.d_out());
  if (!t) return fail("target: " + t.error().message);
  for (float v : *t)
    if (!std::isfinite(v)) return fail("target: a value is not finite");
  if (!std::isfinite(lr) || !(lr > 0)) return fail("lr must be finite and positive");
  return {};
}

// TEMPORARY until ml/ghost_proof.h and ml/recall_fraud.h land: every proof fails closed.
Result<void> verify_inference(const pb::GhostFile&, const pb::ModelVersion&, const pb::GhostProof&) {
  return fail("ghost proof verification is not available in this build");
}
Result<std::vector<std::string>> verify_training(const pb::GhostFile&, const pb::ModelVersion&, const pb::TrainProof&) {
  return fail("train proof verification is not available in this build");
}
Result<void> verify_recall_fraud(const pb::GhostFile&, const pb::ModelVersion&, const pb::GhostProof&,
                                 const pb::RecallFraudProof&) {
  return fail("recall fraud verification is not available in this build");
}

}  // namespace ghost::consensus
