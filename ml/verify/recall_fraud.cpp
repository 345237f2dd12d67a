#include "ml/verify/recall_fraud.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "ml/canonical.h"
#include "ml/tensor_opening.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }
std::string score_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double(v));
  return buf;
}

}  // namespace

float challenge_threshold(const HopfieldPass& pass, uint32_t m) {
  std::vector<float> a = pass.scores;
  std::nth_element(a.begin(), a.begin() + (m - 1), a.end());
  return a[m - 1];
}

uint32_t challenge_size(uint32_t k, float min_recall) {
  // m = k + 1 - ceil(min_recall * k); min_recall = mant * 2^(exp - 24) exactly, and
  // mant * k < 2^56, so integers give the ceiling without rounding.
  int exp = 0;
  const uint64_t mant = uint64_t(std::ldexp(std::frexp(min_recall, &exp), 24));
  const int shift = 24 - exp;  // >= 23 because min_recall <= 1
  const uint64_t prod = mant * k;
  const uint64_t ceil = shift >= 64 ? (prod ? 1 : 0) : (prod + ((uint64_t(1) << shift) - 1)) >> shift;
  return uint32_t(k + 1 - ceil);
}

Result<void> verify_recall_fraud(const pb::RecallFraudProof& fraud, const VerifiedInference& result,
                                 const ModelVersion& version) {
  const size_t l = fraud.layer();
  if (l >= version.layers.size() || l >= result.layers.size())
    return fail("challenged layer " + num(l) + " does not exist");
  const LayerSpec& spec = version.layers[l];
  if (spec.type != LayerType::hopfield) return fail("layer " + num(l) + " is an embedding: it has no recall");
  const VerifiedLayer& layer = result.layers[l];
  const uint32_t m = challenge_size(uint32_t(layer.pass.selected.size()), spec.min_recall);
  if (m > layer.pass.selected.size()) return fail("layer " + num(l) + " promises no recall (min_recall 0)");
  const auto& idx = fraud.keys().proof().indices();
  const std::vector<uint64_t> columns(idx.begin(), idx.end());
  if (columns.size() != m) return fail("a challenge presents exactly m = " + num(m) + " columns, got " + num(columns.size()));
  for (uint64_t c : columns)
    if (std::ranges::binary_search(layer.pass.selected, c)) return fail("column " + num(c) + " is in the returned set");
  const auto shape = layer_tensors(spec, l)[0];
  auto opened = check_opening(fraud.keys(), {shape.leaf_count, shape.leaf_bytes(), version.roots.at(version.first_tensor(l))},
                              columns);
  if (!opened) return fail(opened.error(), "columns: ");
  auto keys = decode_floats(opened->leaves, columns.size() * spec.d);
  if (!keys) return std::unexpected(keys.error());
  const float a_m = challenge_threshold(layer.pass, m);
  for (size_t r = 0; r < columns.size(); ++r) {
    const float s = dot(std::span<const float>(*keys).subspan(r * spec.d, spec.d), layer.x_hat);
    if (!(s > a_m))
      return fail("column " + num(columns[r]) + " scores " + score_text(s) + ", not above a_m = " + score_text(a_m) +
                  ": no recall fault shown");
  }
  return {};
}

Result<void> verify_recall_fraud(const pb::RecallFraudProof& fraud, const pb::GhostProof& result,
                                 const ModelVersion& version) {
  auto verified = verify_ghost_proof(result, version);
  if (!verified) return fail(verified.error(), "challenged result does not verify: ");
  return verify_recall_fraud(fraud, *verified, version);
}

}  // namespace ghost::ml
