// The client's check of a ghost proof, with the verifier every node runs (ml/verify): the
// bytes decode as a ghost proof (bounded), it is for the expected input and output when those
// are known, and it verifies against the model version's roots; likewise a training proof. What `ghost infer`, `ghost
// train` and `ghost proof verify` print as the proof status.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/train_proof.h"

namespace ghost::cli {

struct ProofCheck {
  std::optional<pb::GhostProof> proof;       // when the bytes decode
  std::optional<ml::VerifiedInference> verified;  // when every check held
  std::string error;                          // why not, for people
  bool ok() const { return verified.has_value(); }
};

// `input` / `output`: what the proof must be for (the request's input, the result's output).
ProofCheck check_ghost_proof(ByteSpan bytes, const ml::ModelVersion& version, const Bytes* input = nullptr,
                             const Bytes* output = nullptr);
// The same for an already decoded proof (a training proof's forward pass).
ProofCheck check_ghost_proof(const pb::GhostProof& proof, const ml::ModelVersion& version, const Bytes* input = nullptr,
                             const Bytes* output = nullptr);

struct TrainCheck {
  std::optional<pb::TrainProof> proof;
  std::optional<ml::VerifiedTraining> verified;  // the next version's roots
  std::string error;
  bool ok() const { return verified.has_value(); }
};

// A training proof: for the expected input, target and learning rate when known, then the
// forward proof and the step recomputed against `version`'s roots.
TrainCheck check_train_proof(ByteSpan bytes, const ml::ModelVersion& version, const Bytes* input = nullptr,
                             const Bytes* target = nullptr, std::optional<float> lr = {});

}  // namespace ghost::cli
