#include "node/cli/proof_check.h"

#include <algorithm>

#include "proto/decode.h"

namespace ghost::cli {

ProofCheck check_ghost_proof(ByteSpan bytes, const ml::ModelVersion& version, const Bytes* input, const Bytes* output) {
  auto proof = pb::decode_as<pb::GhostProof>(bytes, ml::kMaxGhostProofBytes);
  if (!proof) return ProofCheck{{}, {}, "not a ghost proof: " + proof.error().message};
  return check_ghost_proof(*proof, version, input, output);
}

ProofCheck check_ghost_proof(const pb::GhostProof& proof, const ml::ModelVersion& version, const Bytes* input,
                             const Bytes* output) {
  ProofCheck c;
  c.proof = proof;
  if (input && !std::ranges::equal(as_bytes(proof.input()), *input)) {
    c.error = "the proof is for another input than the one requested";
    return c;
  }
  if (output && (proof.layers().empty() || !std::ranges::equal(as_bytes(proof.layers().rbegin()->output()), *output))) {
    c.error = "the proof's output is not the answer the chain recorded";
    return c;
  }
  auto v = ml::verify_ghost_proof(proof, version);
  if (!v) c.error = v.error().message;
  else c.verified = std::move(*v);
  return c;
}

TrainCheck check_train_proof(ByteSpan bytes, const ml::ModelVersion& version, const Bytes* input, const Bytes* target,
                             std::optional<float> lr) {
  TrainCheck c;
  auto proof = pb::decode_as<pb::TrainProof>(bytes);
  if (!proof) {
    c.error = "not a training proof: " + proof.error().message;
    return c;
  }
  c.proof = *proof;
  if ((input && !std::ranges::equal(as_bytes(proof->forward().input()), *input)) ||
      (target && !std::ranges::equal(as_bytes(proof->target()), *target)) || (lr && proof->lr() != *lr)) {
    c.error = "the proof is for another input, target or learning rate than the ones requested";
    return c;
  }
  auto v = ml::verify_train_proof(*proof, version);
  if (!v) c.error = v.error().message;
  else c.verified = std::move(*v);
  return c;
}

}  // namespace ghost::cli
