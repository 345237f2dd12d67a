#include "ml/verify/ghost_proof.h"

#include <algorithm>
#include <string>

#include "ml/canonical.h"
#include "ml/embedding.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

Result<void> check_selected(std::span<const uint64_t> selected, const LayerSpec& spec) {
  const size_t k = spec.type == LayerType::hopfield ? spec.hopfield().selected_count() : 1;
  if (selected.size() != k) return fail("selects " + num(selected.size()) + " columns, the layer has k = " + num(k));
  for (size_t r = 0; r < selected.size(); ++r) {
    if (selected[r] >= spec.n) return fail("selected index " + num(selected[r]) + " >= n = " + num(spec.n));
    if (r > 0 && selected[r] <= selected[r - 1]) return fail("selected indices are not ascending and unique");
  }
  return {};
}

Result<VerifiedLayer> verify_layer(const pb::LayerProof& lp, const LayerSpec& spec, size_t number, ByteSpan input,
                                   const ModelVersion& version) {
  VerifiedLayer out;
  const std::vector<uint64_t> selected(lp.selected().begin(), lp.selected().end());
  if (auto v = check_selected(selected, spec); !v) return std::unexpected(v.error());
  const auto shapes = layer_tensors(spec, number);
  if (size_t(lp.openings_size()) != shapes.size())
    return fail("has " + num(lp.openings_size()) + " tensor openings, the layer has " + num(shapes.size()) + " tensors");
  out.leaves.indices = selected;
  const size_t t0 = version.first_tensor(number);
  for (size_t t = 0; t < shapes.size(); ++t) {
    const TensorCommitment tensor{shapes[t].leaf_count, shapes[t].leaf_bytes(), version.roots.at(t0 + t)};
    auto opened = check_opening(lp.openings(int(t)), tensor, selected);
    if (!opened) return fail(opened.error(), "tensor " + shapes[t].name + ": ");
    auto floats = decode_floats(opened->leaves, selected.size() * shapes[t].leaf_floats);
    if (!floats) return std::unexpected(floats.error());
    tensor_floats(spec, out.leaves, t) = std::move(*floats);
    out.proofs.push_back(std::move(opened->proof));
  }
  if (spec.type == LayerType::embedding) {
    auto index = decode_index(input, spec.embedding());
    if (!index) return std::unexpected(index.error());
    if (*index != selected[0]) return fail("opens row " + num(selected[0]) + " but the input asks for row " + num(*index));
    auto row = embedding_forward(spec.embedding(), out.leaves.values);
    if (!row) return std::unexpected(row.error());
    out.pass.selected = selected;
    out.pass.output = std::move(*row);
  } else {
    auto x = query_from_input(input, spec.hopfield());
    if (!x) return fail(x.error(), "input: ");
    out.x_hat = std::move(*x);
    auto pass = forward_from_leaves(spec.hopfield(), out.x_hat, out.leaves);
    if (!pass) return std::unexpected(pass.error());
    out.pass = std::move(*pass);
  }
  const Bytes output = encode_floats(out.pass.output);
  if (!std::ranges::equal(as_bytes(lp.output()), output))
    return fail(Errc::kMismatch, "output differs from the one recomputed from the opened leaves");
  return out;
}

}  // namespace

Result<VerifiedInference> verify_ghost_proof(const pb::GhostProof& proof, const ModelVersion& version) {
  if (!std::ranges::equal(as_bytes(proof.model_id()), version.model_id.bytes))
    return fail(Errc::kMismatch, "proof is for model " + to_hex(as_bytes(proof.model_id())) + ", expected " + version.model_id.hex());
  if (proof.version() != version.version)
    return fail(Errc::kMismatch, "proof is for version " + num(proof.version()) + ", expected " + num(version.version));
  if (size_t(proof.layers_size()) != version.layers.size())
    return fail("proof has " + num(proof.layers_size()) + " layer proofs, the model has " + num(version.layers.size()) +
                " layers");
  if (version.roots.size() != version.first_tensor(version.layers.size()))
    return fail("model version has " + num(version.roots.size()) + " roots, its layers have " +
                num(version.first_tensor(version.layers.size())) + " tensors");
  VerifiedInference out;
  Bytes carried;  // layer l's verified output, layer l + 1's input
  for (size_t l = 0; l < version.layers.size(); ++l) {
    const ByteSpan input = l == 0 ? as_bytes(proof.input()) : ByteSpan(carried);
    auto layer = verify_layer(proof.layers(int(l)), version.layers[l], l, input, version);
    if (!layer) return fail(layer.error(), "layer " + num(l) + ": ");
    carried = encode_floats(layer->pass.output);
    out.layers.push_back(std::move(*layer));
  }
  return out;
}

Result<VerifiedInference> verify_ghost_proof_bytes(ByteSpan proof, const ModelVersion& version) {
  auto decoded = pb::decode_as<pb::GhostProof>(proof, kMaxGhostProofBytes);
  if (!decoded) return std::unexpected(decoded.error());
  return verify_ghost_proof(*decoded, version);
}

}  // namespace ghost::ml
