// Training proofs (docs/protocol.md §3.18): a forward ghost proof, the target
// and learning rate, and the roots after the step. A verifier recomputes the updated leaves
// of the last layer from the opened ones and the new roots from the OLD multiproofs, with
// O(k d + k log n) work and no weights (the prover is ml/serve/prove.h).
#pragma once

#include <vector>

#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/hopfield.h"
#include "ml/layers.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// The roots of every tensor of `version` after layer `layer`'s opened leaves are replaced by
// `updated` (same indices): the layer's roots from its tensors' OLD multiproofs (`proofs`,
// one per tensor of the layer) and the new leaves, every other root unchanged.
Result<std::vector<Hash32>> roots_after_step(const ModelVersion& version, size_t layer,
                                             const std::vector<merkle::Multiproof>& proofs, const Leaves& updated);

// What a verified training proof establishes: the next version's roots, and the new leaves
// (tensor ids in ghost-file order across layers, as in a model's store) so a node holding
// the weights applies the step without recomputing it. `before` holds the same leaves as the
// forward proof opened them, under the step's start roots: writing them undoes the step.
struct VerifiedTraining {
  std::vector<Hash32> roots;
  std::vector<LeafWrite> writes;
  std::vector<LeafWrite> before;
};

// Verifies the forward proof, recomputes the step and the roots of every tensor after it,
// and requires them to equal the claimed ones.
Result<VerifiedTraining> verify_train_proof(const pb::TrainProof& proof, const ModelVersion& version);

}  // namespace ghost::ml
