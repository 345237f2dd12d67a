#include "ml/verify/search_fraud.h"

#include <algorithm>
#include <map>
#include <string>

#include "ml/canonical.h"
#include "ml/column_codes.h"
#include "ml/graph_search.h"
#include "ml/tensor_opening.h"

namespace ghost::ml {
namespace {

std::string num(uint64_t v) { return std::to_string(v); }

// One checked opening: its columns (ascending) and leaves.
struct Opened {
  std::vector<uint64_t> columns;
  CheckedOpening leaves;
  size_t leaf_bytes = 0;

  // The leaf of `column`, or an error naming what the proof lacks.
  Result<ByteSpan> find(uint64_t column, const char* what) const {
    auto at = std::ranges::lower_bound(columns, column);
    if (at == columns.end() || *at != column)
      return fail("the proof does not carry the " + std::string(what) + " of column " + num(column));
    return leaves.leaf(size_t(at - columns.begin()), leaf_bytes);
  }
};

Result<Opened> open(const pb::TensorOpening& o, const TensorShape& shape, const Hash32& root, const char* what) {
  Opened out;
  out.columns.assign(o.proof().indices().begin(), o.proof().indices().end());
  out.leaf_bytes = shape.leaf_bytes();
  auto checked = check_opening(o, {shape.leaf_count, out.leaf_bytes, root}, out.columns);
  if (!checked) return fail(checked.error(), std::string(what) + ": ");
  out.leaves = std::move(*checked);
  return out;
}

// The search reads the proof's openings and nothing else.
class ProofSource : public SearchSource {
 public:
  ProofSource(const Opened& codes, const Opened& rows, const Opened& keys, const LayerSpec& layer)
      : codes_(codes), rows_(rows), keys_(keys), layer_(layer) {}
  Result<const uint8_t*> code(uint64_t column) override {
    auto leaf = codes_.find(column, "code");
    if (!leaf) return std::unexpected(leaf.error());
    return leaf->data();
  }
  Result<std::span<const uint32_t>> row(uint64_t column) override {
    auto leaf = rows_.find(column, "graph row");
    if (!leaf) return std::unexpected(leaf.error());
    auto& words = row_words_[column];  // decoded once; the search reads a row once per level
    if (words.empty()) {
      words.resize(leaf->size() / 4);
      for (size_t w = 0; w < words.size(); ++w)
        words[w] = uint32_t((*leaf)[4 * w]) | uint32_t((*leaf)[4 * w + 1]) << 8 | uint32_t((*leaf)[4 * w + 2]) << 16 |
                   uint32_t((*leaf)[4 * w + 3]) << 24;
    }
    return std::span<const uint32_t>(words);
  }
  Result<std::span<const float>> key(uint64_t column) override {
    auto leaf = keys_.find(column, "W_K column");
    if (!leaf) return std::unexpected(leaf.error());
    auto& floats = key_floats_[column];
    floats.resize(layer_.d);
    decode_floats_into(*leaf, floats);
    return std::span<const float>(floats);
  }

 private:
  const Opened& codes_;
  const Opened& rows_;
  const Opened& keys_;
  const LayerSpec& layer_;
  std::map<uint64_t, std::vector<uint32_t>> row_words_;
  std::map<uint64_t, std::vector<float>> key_floats_;
};

}  // namespace

bool outranks_answer(std::span<const Scored> canonical, const HopfieldPass& answer) {
  if (answer.selected.empty()) return !canonical.empty();
  Scored lowest{answer.scores[0], answer.selected[0]};
  for (size_t r = 1; r < answer.selected.size(); ++r)
    if (Scored s{answer.scores[r], answer.selected[r]}; better(lowest, s)) lowest = s;
  for (const Scored& c : canonical)
    if (!std::ranges::binary_search(answer.selected, c.index) && better(c, lowest)) return true;
  return false;
}

Result<void> verify_search_fraud(const pb::SearchFraudProof& fraud, const VerifiedInference& result,
                                 const ModelVersion& version) {
  const size_t l = fraud.layer();
  if (l >= version.layers.size() || l >= result.layers.size())
    return fail("challenged layer " + num(l) + " does not exist");
  const LayerSpec& spec = version.layers[l];
  if (spec.type != LayerType::hopfield) return fail("layer " + num(l) + " is an embedding: it has no search");
  const auto search = search_tensors(spec, l);
  const size_t s0 = version.first_search_tensor(l);
  if (s0 + 1 >= version.search_roots.size()) return fail("the model version lists no search roots for layer " + num(l));
  auto codes = open(fraud.codes(), search[0], version.search_roots[s0], "codes");
  if (!codes) return std::unexpected(codes.error());
  auto rows = open(fraud.graph(), search[1], version.search_roots[s0 + 1], "graph rows");
  if (!rows) return std::unexpected(rows.error());
  auto keys = open(fraud.keys(), layer_tensors(spec, l)[0], version.roots.at(version.first_tensor(l)), "W_K columns");
  if (!keys) return std::unexpected(keys.error());
  ProofSource source(*codes, *rows, *keys, spec);
  const VerifiedLayer& answered = result.layers[l];
  auto canonical = graph_search(spec, answered.x_hat, source);
  if (!canonical) return fail(canonical.error(), "the search cannot be replayed: ");
  if (canonical->empty()) return fail("the search ends with fewer than k columns: the layer has no canonical answer");
  if (!outranks_answer(*canonical, answered.pass))
    return fail("no column of the canonical search's set outside the answer ranks above the answer's lowest: no fault shown");
  return {};
}

Result<void> verify_search_fraud(const pb::SearchFraudProof& fraud, const pb::GhostProof& result,
                                 const ModelVersion& version) {
  auto verified = verify_ghost_proof(result, version);
  if (!verified) return fail(verified.error(), "challenged result does not verify: ");
  return verify_search_fraud(fraud, *verified, version);
}

}  // namespace ghost::ml
