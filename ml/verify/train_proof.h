// Training proofs (DESIGN.md §3 "Sparse training step"): a forward ghost proof, the target
// and learning rate, and the roots after the step. A verifier recomputes the updated leaves
// of the last layer from the opened ones and the new roots from the OLD multiproofs, with
// O(k d + k log n) work and no weights.
#pragma once

#include <span>
#include <vector>

#include "crypto/hash.h"
#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/leaf_codec.h"
#include "ml/serve/model.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// The proof of `step` (computed by model.train_step on input, target, lr) against the
// model's current roots, which the caller states are those of (model_id, version).
pb::TrainProof make_train_proof(const Model& model, const Hash32& model_id, uint64_t version, ByteSpan input,
                                std::span<const float> target, float lr, const TrainStep& step,
                                LeafWire wire = pb::LEAVES_RAW);

// What a verified training proof establishes: the next version's roots, and the new leaves
// (tensor ids in ghost-file order across layers, as in a model's store) so a node holding
// the weights applies the step without recomputing it.
struct VerifiedTraining {
  std::vector<Hash32> roots;
  std::vector<LeafWrite> writes;
};

// Verifies the forward proof, recomputes the step and the roots of every tensor after it,
// and requires them to equal the claimed ones.
Result<VerifiedTraining> verify_train_proof(const pb::TrainProof& proof, const ModelVersion& version);

}  // namespace ghost::ml
