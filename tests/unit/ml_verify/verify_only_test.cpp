// The ledger's side of the protocol with nothing but roots and revealed leaves. This binary
// links ghost_ml_verify alone (no weight store, no HNSW index, no LevelDB, no hnswlib): if
// verifying a proof ever needs the worker's side again, it stops compiling or linking.
//
// The proofs here are made by hand from a two-layer model held in plain vectors, its trees
// built with merkle::Tree, so they do not depend on ml/serve's provers either.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/merkle.h"
#include "ml/canonical.h"
#include "ml/ghost_file.h"
#include "ml/hopfield.h"
#include "ml/layers.h"
#include "ml/matrix.h"
#include "ml/tensor_opening.h"
#include "ml/verify/ghost_proof.h"
#include "ml/column_codes.h"
#include "ml/verify/search_fraud.h"
#include "ml/verify/train_proof.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

constexpr uint64_t kN = 8;
constexpr uint32_t kD = 4;

LayerSpec hopfield(uint32_t d_out, uint32_t k) {
  LayerSpec s;
  s.type = LayerType::hopfield;
  s.d = kD;
  s.d_out = d_out;
  s.n = kN;
  s.k = k;
  s.beta = 4;
  s.graph = {4, 2, 1, 0};  // ef 4, one level of 2m = 4 slots, entry column 0
  return s;
}

// Leaf words holding raw bytes (a code or a graph row), as the store keeps them.
std::vector<float> words_of(const void* bytes, size_t size) {
  std::vector<float> w(size / 4);
  std::memcpy(w.data(), bytes, size);
  return w;
}

// One tensor: its leaves as floats and canonical bytes, and its tree.
struct Tensor {
  std::vector<std::vector<float>> leaves;
  std::vector<Bytes> bytes;
  merkle::Tree tree;

  explicit Tensor(std::vector<std::vector<float>> l) : leaves(std::move(l)) {
    for (auto& leaf : leaves) bytes.push_back(encode_floats(leaf));
    tree = merkle::Tree::build(leaves.size(), [&](uint64_t i) { return ByteSpan(bytes[i]); });
  }
  Bytes concat(std::span<const uint64_t> indices) const {
    Bytes out;
    for (uint64_t i : indices) out.insert(out.end(), bytes[i].begin(), bytes[i].end());
    return out;
  }
};

// Layer 0: d = 4 -> d_out = 4, k = 3; layer 1: d = 4 -> d_out = 2, k = 2; n = 8 each.
struct HandModel {
  std::vector<LayerSpec> layers{hopfield(kD, 3), hopfield(2, 2)};
  std::vector<Tensor> tensors;  // L0.W_K, L0.W_V, L1.W_K, L1.W_V, then L0.C, L0.G, L1.C, L1.G
  ModelVersion version;

  HandModel() {
    for (size_t l = 0; l < layers.size(); ++l) {
      std::vector<std::vector<float>> keys, values;
      for (uint64_t i = 0; i < kN; ++i) {
        std::vector<float> k(kD), v(layers[l].d_out);
        for (uint32_t j = 0; j < kD; ++j) k[j] = float(int((i * 7 + j * 3 + l * 5) % 11) - 5) + 0.5f;
        if (!normalize(k)) throw std::runtime_error("zero column");
        for (uint32_t j = 0; j < v.size(); ++j) v[j] = 0.25f * float(i + 1) - 0.5f * float(j) + float(l);
        keys.push_back(std::move(k));
        values.push_back(std::move(v));
      }
      tensors.emplace_back(std::move(keys));
      tensors.emplace_back(std::move(values));
    }
    // The search: each column's code, and a ring where column i links to i +- 1 and i +- 2.
    for (size_t l = 0; l < layers.size(); ++l) {
      std::vector<std::vector<float>> codes, rows;
      for (uint64_t i = 0; i < kN; ++i) {
        std::vector<uint8_t> code(code_bytes(kD));
        encode_column(this->keys(l).leaves[i], code.data());
        codes.push_back(words_of(code.data(), code.size()));
        const uint32_t row[4] = {uint32_t((i + 1) % kN), uint32_t((i + kN - 1) % kN), uint32_t((i + 2) % kN),
                                 uint32_t((i + kN - 2) % kN)};
        rows.push_back(words_of(row, sizeof row));
      }
      tensors.emplace_back(std::move(codes));
      tensors.emplace_back(std::move(rows));
    }
    std::vector<Hash32> roots;
    for (auto& t : tensors) roots.push_back(t.tree.root());
    auto mv = model_version(make_ghost_file("hand-made", layers, roots));
    if (!mv) throw std::runtime_error(mv.error().message);
    version = std::move(*mv);
  }

  const Tensor& keys(size_t l) const { return tensors[2 * l]; }
  const Tensor& values(size_t l) const { return tensors[2 * l + 1]; }

  std::vector<Scored> scores(size_t l, std::span<const float> x_hat) const {
    std::vector<Scored> out;
    for (uint64_t i = 0; i < kN; ++i) out.push_back({dot(keys(l).leaves[i], x_hat), i});
    return out;
  }

  Leaves leaves(size_t l, const std::vector<uint64_t>& indices) const {
    Leaves out;
    out.indices = indices;
    for (uint64_t i : indices) {
      out.keys.insert(out.keys.end(), keys(l).leaves[i].begin(), keys(l).leaves[i].end());
      out.values.insert(out.values.end(), values(l).leaves[i].begin(), values(l).leaves[i].end());
    }
    return out;
  }

  // A proof of the pass on `input`, each layer selecting its exact top-k, except layer
  // `wrong_layer`, which selects its k LOWEST-scoring columns (a consistent but bad answer).
  struct Made {
    pb::GhostProof proof;
    std::vector<std::vector<float>> x_hats;
    std::vector<Leaves> leaves;
    std::vector<HopfieldPass> passes;
  };
  Made prove(ByteSpan input, int wrong_layer = -1) const {
    Made m;
    m.proof.set_model_id(std::string(version.model_id.bytes.begin(), version.model_id.bytes.end()));
    m.proof.set_version(version.version);
    m.proof.set_input(std::string(input.begin(), input.end()));
    Bytes carried(input.begin(), input.end());
    for (size_t l = 0; l < layers.size(); ++l) {
      auto x = query_from_input(carried, layers[l].hopfield());
      if (!x) throw std::runtime_error(x.error().message);
      auto all = scores(l, *x);
      std::vector<Scored> chosen;
      if (int(l) == wrong_layer) {
        for (auto& s : all) s.score = -s.score;  // best of the negated = the worst
        chosen = best_of(all, layers[l].k);
      } else {
        ColumnMatrix km(kD, kN);
        for (uint64_t i = 0; i < kN; ++i) std::ranges::copy(keys(l).leaves[i], km.column(i).begin());
        chosen = exact_top_k(km, *x, layers[l].k, 1);
      }
      std::vector<uint64_t> indices;
      for (auto& c : chosen) indices.push_back(c.index);
      Leaves lv = leaves(l, indices);
      auto pass = forward_from_leaves(layers[l].hopfield(), *x, lv);
      if (!pass) throw std::runtime_error(pass.error().message);
      pb::LayerProof* lp = m.proof.add_layers();
      lp->mutable_selected()->Add(indices.begin(), indices.end());
      *lp->add_openings() = make_opening(keys(l).tree, indices, keys(l).concat(indices), LeafWire(pb::LEAVES_RAW));
      *lp->add_openings() = make_opening(values(l).tree, indices, values(l).concat(indices), LeafWire::shortest());
      carried = encode_floats(pass->output);
      lp->set_output(std::string(carried.begin(), carried.end()));
      m.x_hats.push_back(std::move(*x));
      m.leaves.push_back(std::move(lv));
      m.passes.push_back(std::move(*pass));
    }
    return m;
  }
};

Bytes input_of(float a, float b, float c, float d) { return encode_floats(std::vector<float>{a, b, c, d}); }

TEST(VerifyOnly, GhostFileOfHandMadeRootsIsValid) {
  HandModel h;
  EXPECT_EQ(h.version.layers, h.layers);
  EXPECT_EQ(h.version.roots.size(), 4u);
  EXPECT_EQ(h.version.search_roots.size(), 4u);
  EXPECT_EQ(h.version.search_roots[3], h.tensors[7].tree.root());
  EXPECT_EQ(h.version.first_tensor(1), 2u);
  EXPECT_EQ(layer_tensors(h.layers[1], 1)[0].name, "L1.W_K");
  EXPECT_EQ(layer_tensors(h.layers[1], 1)[1].name, "L1.W_V");
}

TEST(VerifyOnly, HandMadeGhostProofVerifiesWithRootsAlone) {
  HandModel h;
  for (const Bytes& input : {input_of(1, 0, 0, 0), input_of(0.3f, -2, 1, 5), input_of(-1, -1, 2, 0.25f)}) {
    const auto made = h.prove(input);
    auto v = verify_ghost_proof_bytes(pb::encode(made.proof), h.version);
    ASSERT_TRUE(v) << v.error().message;
    ASSERT_EQ(v->layers.size(), 2u);
    EXPECT_EQ(encode_floats(v->output()), encode_floats(made.passes.back().output));
    for (size_t l = 0; l < 2; ++l) {
      EXPECT_EQ(v->layers[l].pass.selected, made.leaves[l].indices);
      EXPECT_EQ(encode_floats(v->layers[l].x_hat), encode_floats(made.x_hats[l]));
      EXPECT_EQ(encode_floats(tensor_floats(h.layers[l], v->layers[l].leaves, 0)), encode_floats(made.leaves[l].keys));
      EXPECT_EQ(encode_floats(tensor_floats(h.layers[l], v->layers[l].leaves, 1)), encode_floats(made.leaves[l].values));
    }
  }
}

TEST(VerifyOnly, TamperedLeafOutputOrRootIsRejected) {
  HandModel h;
  const Bytes input = input_of(0.3f, -2, 1, 5);
  const auto made = h.prove(input);
  ASSERT_TRUE(verify_ghost_proof(made.proof, h.version));

  // One bit of one revealed W_K leaf (raw encoding), in each layer.
  for (int l = 0; l < 2; ++l) {
    pb::GhostProof bad = made.proof;
    std::string& leaves = *bad.mutable_layers(l)->mutable_openings(0)->mutable_leaves();
    ASSERT_EQ(leaves.size(), h.layers[l].k * kD * 4);
    leaves[5] = char(leaves[5] ^ 0x01);
    auto v = verify_ghost_proof(bad, h.version);
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().message.find(l == 0 ? "L0.W_K" : "L1.W_K"), std::string::npos) << v.error().message;
  }
  {  // A claimed output one ulp away.
    pb::GhostProof bad = made.proof;
    std::string& out = *bad.mutable_layers(1)->mutable_output();
    out[0] = char(out[0] ^ 0x01);
    EXPECT_FALSE(verify_ghost_proof(bad, h.version));
  }
  {  // Another model's roots.
    ModelVersion other = h.version;
    other.roots[3].bytes[0] ^= 0x80;
    EXPECT_FALSE(verify_ghost_proof(made.proof, other));
  }
  {  // A selected set that is not k ascending unique indices.
    pb::GhostProof bad = made.proof;
    bad.mutable_layers(0)->mutable_selected()->Add(7);
    EXPECT_FALSE(verify_ghost_proof(bad, h.version));
  }
}

TEST(VerifyOnly, HandMadeTrainingProofVerifiesAndATamperedOneDoesNot) {
  HandModel h;
  const Bytes input = input_of(-1, -1, 2, 0.25f);
  const auto made = h.prove(input);
  const std::vector<float> target{1.0f, -0.5f};
  const float lr = 0.5f;
  auto step = train_from_leaves(h.layers[1].hopfield(), made.x_hats[1], made.leaves[1], target, lr);
  ASSERT_TRUE(step) << step.error().message;

  // The roots after the step, from whole trees with the new leaves (not from multiproofs).
  Tensor new_keys = h.keys(1), new_values = h.values(1);
  for (size_t r = 0; r < step->updated.indices.size(); ++r) {
    const uint64_t i = step->updated.indices[r];
    new_keys.tree.update(i, encode_floats(step->updated.key(r, kD)));
    new_values.tree.update(i, encode_floats(step->updated.value(r, 2)));
  }
  const std::vector<Hash32> want{h.version.roots[0], h.version.roots[1], new_keys.tree.root(), new_values.tree.root()};
  ASSERT_NE(want[2], h.version.roots[2]);

  pb::TrainProof proof;
  *proof.mutable_forward() = made.proof;
  const Bytes t = encode_floats(target);
  proof.set_target(std::string(t.begin(), t.end()));
  proof.set_lr(lr);
  for (const auto& r : want) proof.add_new_roots(std::string(r.bytes.begin(), r.bytes.end()));

  auto v = verify_train_proof(proof, h.version);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->roots, want);
  ASSERT_EQ(v->writes.size(), 2 * step->updated.indices.size());
  for (const auto& w : v->writes) {
    EXPECT_TRUE(w.tensor == 2 || w.tensor == 3);
    EXPECT_EQ(w.values.size(), w.tensor == 2 ? kD : 2u);
  }

  pb::TrainProof bad = proof;
  bad.set_lr(0.25f);  // a different step: its roots are not the claimed ones
  EXPECT_FALSE(verify_train_proof(bad, h.version));
  bad = proof;
  (*bad.mutable_new_roots(3))[0] ^= 0x01;
  EXPECT_FALSE(verify_train_proof(bad, h.version));
}

// A search fraud proof checked with roots alone: the canonical search over the hand-made ring
// graph, replayed from every code, row and column of layer 0 (a proof may carry more leaves
// than the search reads).
TEST(VerifyOnly, SearchFraudAgainstABadAnswerVerifiesAndAgainstAnHonestOneDoesNot) {
  HandModel h;
  const Bytes input = input_of(0.3f, -2, 1, 5);
  std::vector<uint64_t> all(kN);
  for (uint64_t i = 0; i < kN; ++i) all[i] = i;
  pb::SearchFraudProof fraud;
  fraud.set_layer(0);
  const LeafWire raw(pb::LEAVES_RAW);
  *fraud.mutable_keys() = make_opening(h.keys(0).tree, all, h.keys(0).concat(all), raw);
  *fraud.mutable_codes() = make_opening(h.tensors[4].tree, all, h.tensors[4].concat(all), raw);
  *fraud.mutable_graph() = make_opening(h.tensors[5].tree, all, h.tensors[5].concat(all), raw);

  const auto bad = h.prove(input, /*wrong_layer=*/0);
  ASSERT_TRUE(verify_ghost_proof(bad.proof, h.version));  // consistent, but not the top-k
  auto ok = verify_search_fraud(fraud, bad.proof, h.version);
  EXPECT_TRUE(ok) << ok.error().message;

  const auto honest = h.prove(input);  // the exact top-k
  auto refused = verify_search_fraud(fraud, honest.proof, h.version);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("no fault shown"), std::string::npos) << refused.error().message;

  pb::SearchFraudProof tampered = fraud;  // a code's bytes no longer hash to the root
  (*tampered.mutable_codes()->mutable_leaves())[0] ^= 0x01;
  EXPECT_FALSE(verify_search_fraud(tampered, bad.proof, h.version));
  pb::SearchFraudProof other_roots = fraud;  // the graph opened where the codes should be
  std::swap(*other_roots.mutable_codes(), *other_roots.mutable_graph());
  EXPECT_FALSE(verify_search_fraud(other_roots, bad.proof, h.version));
}

}  // namespace
}  // namespace ghost::ml
