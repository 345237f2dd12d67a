#include "ml/serve/prove.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ml/canonical.h"
#include "ml/tensor_opening.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/recall_fraud.h"
#include "ml/verify/train_proof.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

}  // namespace

pb::GhostProof make_ghost_proof(const Model& model, const Hash32& model_id, uint64_t version, ByteSpan input,
                                const Inference& inference, LeafWire wire) {
  pb::GhostProof proof;
  proof.set_model_id(std::string(model_id.bytes.begin(), model_id.bytes.end()));
  proof.set_version(version);
  proof.set_input(std::string(input.begin(), input.end()));
  for (size_t l = 0; l < inference.layers.size(); ++l) {
    const LayerSpec& spec = model.layers().at(l);
    const LayerTrace& trace = inference.layers[l];
    pb::LayerProof* lp = proof.add_layers();
    lp->mutable_selected()->Add(trace.pass.selected.begin(), trace.pass.selected.end());
    const size_t tensors = layer_tensors(spec, l).size();
    for (size_t t = 0; t < tensors; ++t) {
      const Bytes leaves = encode_floats(tensor_floats(spec, trace.leaves, t));
      *lp->add_openings() = make_opening(model.store().tree(model.first_tensor(l) + uint32_t(t)),
                                         trace.pass.selected, leaves, wire);
    }
    const Bytes output = encode_floats(trace.pass.output);
    lp->set_output(std::string(output.begin(), output.end()));
  }
  return proof;
}

pb::TrainProof make_train_proof(const Model& model, const Hash32& model_id, uint64_t version, ByteSpan input,
                                std::span<const float> target, float lr, const TrainStep& step,
                                LeafWire wire) {
  pb::TrainProof proof;
  *proof.mutable_forward() = make_ghost_proof(model, model_id, version, input, step.forward, wire);
  const Bytes t = encode_floats(target);
  proof.set_target(std::string(t.begin(), t.end()));
  proof.set_lr(lr);
  const size_t last = model.layers().size() - 1;
  const LayerSpec& spec = model.layers()[last];
  ModelVersion current{model_id, version, model.layers(), model.weight_roots(), model.search_roots()};
  std::vector<merkle::Multiproof> proofs;
  for (size_t t = 0; t < layer_tensors(spec, last).size(); ++t)
    proofs.push_back(model.store().tree(model.first_tensor(last) + uint32_t(t)).multiproof(step.updated.indices));
  auto roots = roots_after_step(current, last, proofs, step.updated);
  for (const auto& r : roots.value_or(std::vector<Hash32>{}))
    proof.add_new_roots(std::string(r.bytes.begin(), r.bytes.end()));
  return proof;
}

Result<std::optional<pb::RecallFraudProof>> find_recall_fraud(const Model& model, const ModelVersion& version,
                                                              const pb::GhostProof& result,
                                                              LeafWire wire) {
  if (model.layers() != version.layers) return fail("the model's layers are not those of this model version");
  auto verified = verify_ghost_proof(result, version);
  if (!verified) return fail(verified.error(), "result does not verify: ");
  for (size_t l = 0; l < version.layers.size(); ++l) {
    const LayerSpec& spec = version.layers[l];
    if (spec.type != LayerType::hopfield) continue;
    const uint32_t keys_tensor = model.first_tensor(l);
    if (model.store().root(keys_tensor) != version.roots[version.first_tensor(l)])
      return fail(Errc::kMismatch, "the model's weights of layer " + num(l) + " are not this version's (roots differ)");
    const VerifiedLayer& layer = verified->layers[l];
    const uint32_t k = uint32_t(layer.pass.selected.size());
    const uint32_t m = challenge_size(k, spec.min_recall);
    if (m > k) continue;  // min_recall 0 promises nothing
    const float a_m = challenge_threshold(layer.pass, m);
    // The m best columns outside the returned set are among the k + m best overall.
    auto best = exact_top_k(model.keys(l), layer.x_hat, std::min<uint64_t>(uint64_t(k) + m, spec.n));
    std::erase_if(best, [&](const Scored& c) { return std::ranges::binary_search(layer.pass.selected, c.index); });
    std::ranges::sort(best, better);
    if (best.size() < m || !(best[m - 1].score > a_m)) continue;
    best.resize(m);
    std::vector<uint64_t> columns;
    for (const auto& c : best) columns.push_back(c.index);
    std::ranges::sort(columns);
    Bytes leaves;
    for (uint64_t c : columns) {
      auto leaf = model.store().leaf_bytes(keys_tensor, c);
      if (!leaf) return std::unexpected(leaf.error());
      leaves.insert(leaves.end(), leaf->begin(), leaf->end());
    }
    pb::RecallFraudProof fraud;
    fraud.set_layer(uint32_t(l));
    *fraud.mutable_keys() = make_opening(model.store().tree(keys_tensor), std::move(columns), leaves, wire);
    return fraud;
  }
  return std::optional<pb::RecallFraudProof>{};
}

}  // namespace ghost::ml
