#include "ml/serve/prove.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "ml/canonical.h"
#include "ml/tensor_opening.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/search_fraud.h"
#include "ml/graph_search.h"
#include "ml/verify/train_proof.h"

namespace ghost::ml {

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

namespace {

// Remembers every leaf the search reads, for the proof's openings.
class RecordingSource : public SearchSource {
 public:
  explicit RecordingSource(SearchSource& inner) : inner_(inner) {}
  Result<const uint8_t*> code(uint64_t c) override { return codes.insert(c), inner_.code(c); }
  Result<std::span<const uint32_t>> row(uint64_t c) override { return rows.insert(c), inner_.row(c); }
  Result<std::span<const float>> key(uint64_t c) override { return keys.insert(c), inner_.key(c); }
  std::set<uint64_t> codes, rows, keys;

 private:
  SearchSource& inner_;
};

Result<pb::TensorOpening> open_leaves(const WeightStore& store, uint32_t tensor, const std::set<uint64_t>& columns,
                                      LeafWire wire) {
  Bytes leaves;
  for (uint64_t c : columns) {
    auto leaf = store.leaf_bytes(tensor, c);
    if (!leaf) return std::unexpected(leaf.error());
    leaves.insert(leaves.end(), leaf->begin(), leaf->end());
  }
  return make_opening(store.tree(tensor), {columns.begin(), columns.end()}, leaves, wire);
}

}  // namespace

Result<std::optional<pb::SearchFraudProof>> find_search_fraud(const Model& model, const ModelVersion& version,
                                                              const pb::GhostProof& result, LeafWire wire) {
  if (model.layers() != version.layers) return fail("the model's layers are not those of this model version");
  if (model.weight_roots() != version.roots || model.search_roots() != version.search_roots)
    return fail(Errc::kMismatch, "the model's tensors are not this version's (roots differ)");
  auto verified = verify_ghost_proof(result, version);
  if (!verified) return fail(verified.error(), "result does not verify: ");
  for (size_t l = 0; l < version.layers.size(); ++l) {
    if (version.layers[l].type != LayerType::hopfield) continue;
    const SearchIndex* index = model.index(l);
    if (!index) return fail("the model was opened without its search (use_index)");
    IndexSource memory(*index, model.keys(l));
    RecordingSource source(memory);
    auto canonical = graph_search(version.layers[l], verified->layers[l].x_hat, source);
    if (!canonical) return std::unexpected(canonical.error());
    if (canonical->empty()) continue;  // no canonical answer: nothing to prove
    if (!outranks_answer(*canonical, verified->layers[l].pass)) continue;
    pb::SearchFraudProof fraud;
    fraud.set_layer(uint32_t(l));
    const uint32_t c0 = model.search_tensor(l);
    auto codes = open_leaves(model.store(), c0, source.codes, wire);
    auto rows = open_leaves(model.store(), c0 + 1, source.rows, wire);
    auto keys = open_leaves(model.store(), model.first_tensor(l), source.keys, wire);
    if (!codes || !rows || !keys) return fail("cannot read the leaves the search read from the store");
    *fraud.mutable_codes() = std::move(*codes);
    *fraud.mutable_graph() = std::move(*rows);
    *fraud.mutable_keys() = std::move(*keys);
    return fraud;
  }
  return std::optional<pb::SearchFraudProof>{};
}

}  // namespace ghost::ml
