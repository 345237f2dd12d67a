#include "ml/verify/train_proof.h"

#include <cmath>
#include <string>

#include "ml/canonical.h"
#include "ml/embedding.h"
#include "ml/verify/ghost_proof.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

// The last layer's leaves after the step, from what the forward proof revealed.
Result<Leaves> step_leaves(const LayerSpec& spec, const VerifiedLayer& layer, std::span<const float> target, float lr) {
  if (spec.type == LayerType::embedding) {
    auto row = embedding_train(spec.embedding(), layer.leaves.values, target, lr);
    if (!row) return std::unexpected(row.error());
    Leaves out = layer.leaves;
    out.values = std::move(*row);
    return out;
  }
  auto step = train_from_leaves(spec.hopfield(), layer.x_hat, layer.leaves, target, lr);
  if (!step) return std::unexpected(step.error());
  return std::move(step->updated);
}

// Layer `layer`'s `leaves` as writes to a model's store (its tensors from `t0`).
std::vector<LeafWrite> store_writes(const LayerSpec& spec, size_t layer, uint32_t t0, const Leaves& leaves) {
  const auto shapes = layer_tensors(spec, layer);
  std::vector<LeafWrite> out;
  for (size_t r = 0; r < leaves.indices.size(); ++r)
    for (size_t t = 0; t < shapes.size(); ++t) {
      const auto leaf = std::span(tensor_floats(spec, leaves, t)).subspan(r * shapes[t].leaf_floats, shapes[t].leaf_floats);
      out.push_back({t0 + uint32_t(t), leaves.indices[r], {leaf.begin(), leaf.end()}});
    }
  return out;
}

}  // namespace

Result<std::vector<Hash32>> roots_after_step(const ModelVersion& version, size_t layer,
                                             const std::vector<merkle::Multiproof>& proofs, const Leaves& updated) {
  const LayerSpec& spec = version.layers.at(layer);
  std::vector<Hash32> roots = version.roots;
  const auto shapes = layer_tensors(spec, layer);
  for (size_t t = 0; t < shapes.size(); ++t) {
    const Bytes bytes = encode_floats(tensor_floats(spec, updated, t));
    std::vector<ByteSpan> leaves;
    for (size_t r = 0; r < updated.indices.size(); ++r)
      leaves.push_back(ByteSpan(bytes).subspan(r * shapes[t].leaf_bytes(), shapes[t].leaf_bytes()));
    auto root = merkle::multiproof_root(proofs.at(t), leaves);
    if (!root) return std::unexpected(root.error());
    roots[version.first_tensor(layer) + t] = *root;
  }
  return roots;
}

Result<VerifiedTraining> verify_train_proof(const pb::TrainProof& proof, const ModelVersion& version) {
  auto forward = verify_ghost_proof(proof.forward(), version);
  if (!forward) return fail(forward.error(), "forward pass: ");
  const size_t last = version.layers.size() - 1;
  const LayerSpec& spec = version.layers[last];
  auto target = decode_floats(as_bytes(proof.target()), spec.d_out);
  if (!target) return fail(target.error(), "target: ");
  if (!std::isfinite(proof.lr())) return fail("learning rate must be finite");
  const VerifiedLayer& layer = forward->layers[last];
  auto updated = step_leaves(spec, layer, *target, proof.lr());
  if (!updated) return fail(updated.error(), "training step: ");
  auto roots = roots_after_step(version, last, layer.proofs, *updated);
  if (!roots) return std::unexpected(roots.error());
  if (size_t(proof.new_roots_size()) != roots->size())
    return fail("proof claims " + num(proof.new_roots_size()) + " new roots, the model has " + num(roots->size()) +
                " tensors");
  for (size_t t = 0; t < roots->size(); ++t)
    if (!std::ranges::equal(as_bytes(proof.new_roots(int(t))), (*roots)[t].bytes))
      return fail(Errc::kMismatch, "new root of tensor " + num(t) + " differs from the one the step produces");
  const uint32_t t0 = uint32_t(version.first_tensor(last));
  return VerifiedTraining{std::move(*roots), store_writes(spec, last, t0, *updated),
                          store_writes(spec, last, t0, layer.leaves)};
}

}  // namespace ghost::ml
