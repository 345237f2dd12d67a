// Ghost proofs (CGP, docs/protocol.md §3): for one forward pass through every layer of a model,
// the selected indices, the opened leaves with their multiproofs and each layer's output.
// Anyone holding a model version's roots recomputes the output bit for bit from it: checking
// needs no weights (the prover is ml/serve/prove.h).
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/hopfield.h"
#include "ml/layers.h"
#include "ml/tensor_opening.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

inline constexpr size_t kMaxGhostProofBytes = 8u << 20;

// The floats of tensor `t` of a layer within its revealed leaves, in ghost-file tensor order
// (Hopfield: W_K in keys, W_V in values; embedding: E in values).
template <class L>  // Leaves or const Leaves
auto& tensor_floats(const LayerSpec& spec, L& leaves, size_t t) {
  return spec.type == LayerType::hopfield && t == 0 ? leaves.keys : leaves.values;
}

// What a verified proof establishes about one layer.
struct VerifiedLayer {
  std::vector<float> x_hat;  // the normalized query (empty for an embedding)
  Leaves leaves;             // the opened leaves, decoded
  HopfieldPass pass;         // recomputed from the leaves (embedding: selected and output)
  std::vector<merkle::Multiproof> proofs;  // one per tensor of the layer
};

struct VerifiedInference {
  std::vector<VerifiedLayer> layers;
  const std::vector<float>& output() const { return layers.back().pass.output; }
};

// Checks a proof against one model version: its id and version number, one layer proof per
// layer, each selected set (exactly k ascending unique indices < n), each opening against its
// tensor's root, then every layer's output recomputed from the opened leaves alone and
// compared bit for bit (layer l's output is layer l + 1's input).
Result<VerifiedInference> verify_ghost_proof(const pb::GhostProof& proof, const ModelVersion& version);
// Decodes untrusted bytes (size limit, strict parse), then verifies.
Result<VerifiedInference> verify_ghost_proof_bytes(ByteSpan proof, const ModelVersion& version);

}  // namespace ghost::ml
