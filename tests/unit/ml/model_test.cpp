#include "ml/serve/model.h"

#include <gtest/gtest.h>

#include <fstream>

#include "crypto/merkle.h"
#include "ml/canonical.h"
#include "ml/serve/synthetic.h"
#include "tests/temp_dir.h"

namespace ghost::ml {
namespace {

using ghost::test::TempDir;
namespace fs = std::filesystem;

SyntheticParams small() { return {.n = 3000, .d = 24, .d_out = 5, .k = 8, .beta = 12, .seed = 21}; }

ModelOptions opts() {
  ModelOptions o;
  o.threads = 2;
  return o;
}

TEST(Model, SyntheticForwardMatchesTheReferenceWithExactAndGraphSearch) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = Model::open(dir.path, opts());
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ((*m)->layers().size(), 1u);
  LayerSpec want = synthetic_layer(p);
  want.graph = (*m)->layers()[0].graph;
  EXPECT_EQ((*m)->layers()[0], want);
  EXPECT_EQ(want.graph.ef, kDefaultEf);
  EXPECT_EQ(want.graph.m, kDefaultGraphM);
  EXPECT_GE(want.graph.levels, 2u);  // 3,000 columns at m 16 reach level 2 with probability ~0.99
  EXPECT_EQ((*m)->name(), "synthetic");
  ASSERT_NE((*m)->index(0), nullptr);
  int same_set = 0;
  for (uint64_t s = 0; s < 30; ++s) {
    const Bytes input = synthetic_input(p.d, s);
    auto exact = (*m)->infer(input, Search::exact);
    ASSERT_TRUE(exact) << exact.error().message;
    // Reference: the pure functions over generated weights.
    auto x = *query_from_input(input, synthetic_layer(p).hopfield());
    const auto& tr = exact->layers[0];
    for (size_t r = 0; r < tr.leaves.indices.size(); ++r) {
      std::vector<float> k(p.d), v(p.d_out);
      synthetic_key(p, tr.leaves.indices[r], k);
      synthetic_value(p, tr.leaves.indices[r], v);
      ASSERT_TRUE(std::equal(k.begin(), k.end(), tr.leaves.key(r, p.d).begin()));
      ASSERT_TRUE(std::equal(v.begin(), v.end(), tr.leaves.value(r, p.d_out).begin()));
    }
    auto ref = forward_from_leaves(synthetic_layer(p).hopfield(), x, tr.leaves);
    ASSERT_TRUE(ref);
    EXPECT_EQ(encode_floats(ref->output), encode_floats(exact->output()));
    auto approx = (*m)->infer(input, Search::graph);
    ASSERT_TRUE(approx);
    if (approx->layers[0].pass.selected == tr.pass.selected) {
      ++same_set;
      EXPECT_EQ(encode_floats(approx->output()), encode_floats(exact->output()));
    }
  }
  EXPECT_GE(same_set, 20);
}

// The committed search is part of the model: the same weights give the same codes, graph
// and roots (one thread, fixed order), whatever the number of threads that write the store.
TEST(Model, CreateIsDeterministicSearchTensorsIncluded) {
  TempDir a, b;
  ASSERT_TRUE(build_synthetic_model(a.path, small(), 1));
  ASSERT_TRUE(build_synthetic_model(b.path, small(), 2));
  auto ma = Model::open(a.path, opts()), mb = Model::open(b.path, opts());
  ASSERT_TRUE(ma && mb);
  EXPECT_EQ((*ma)->store().roots(), (*mb)->store().roots());
  EXPECT_EQ((*ma)->layers(), (*mb)->layers());
  ASSERT_EQ((*ma)->search_roots().size(), 2u);  // L0.C, L0.G
  EXPECT_EQ((*ma)->store().shape((*ma)->search_tensor(0)).name, "L0.C");
  EXPECT_EQ((*ma)->store().shape((*ma)->search_tensor(0) + 1).name, "L0.G");
  EXPECT_EQ((*ma)->weight_roots().size(), 2u);
}

TEST(Model, TrainingStepUpdatesWeightsNotTheSearchAndSurvivesReopen) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = std::move(*Model::open(dir.path, opts()));
  const Bytes input = synthetic_input(p.d, 99);
  std::vector<float> target(p.d_out, 0.0f);
  target[1] = 1.0f;
  const auto old_roots = m->store().roots();
  const auto search_roots = m->search_roots();
  auto step = m->train_step(input, target, 0.5f, Search::exact);
  ASSERT_TRUE(step) << step.error().message;
  ASSERT_EQ(step->writes.size(), 2 * size_t(p.k));
  // What a verifier does: old multiproofs + new leaves give the new roots.
  const auto& sel = step->forward.layers[0].pass.selected;
  auto kproof = m->store().tree(0).multiproof(sel), vproof = m->store().tree(1).multiproof(sel);
  ASSERT_TRUE(m->apply(step->writes));
  EXPECT_NE(m->store().roots(), old_roots);
  std::vector<Bytes> ks, vs;
  for (size_t r = 0; r < sel.size(); ++r) {
    ks.push_back(encode_floats(step->updated.key(r, p.d)));
    vs.push_back(encode_floats(step->updated.value(r, p.d_out)));
  }
  std::vector<ByteSpan> kspan(ks.begin(), ks.end()), vspan(vs.begin(), vs.end());
  EXPECT_EQ(*merkle::multiproof_root(kproof, kspan), m->store().root(0));
  EXPECT_EQ(*merkle::multiproof_root(vproof, vspan), m->store().root(1));
  // W_K in memory holds the new columns, the codes and the graph did not move, and the
  // loss went down.
  EXPECT_EQ(m->search_roots(), search_roots);
  auto c = m->keys(0).column(sel[0]);
  EXPECT_TRUE(std::equal(c.begin(), c.end(), step->updated.key(0, p.d).begin()));
  auto after = m->infer(input, Search::exact);
  ASSERT_TRUE(after);
  auto loss = [&](const std::vector<float>& o) {
    float l = 0;
    for (uint32_t j = 0; j < p.d_out; ++j) l += (o[j] - target[j]) * (o[j] - target[j]);
    return l;
  };
  EXPECT_LT(loss(after->output()), loss(step->forward.output()));
  const auto roots = m->store().roots();
  m.reset();
  auto reopened = Model::open(dir.path, opts());
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->store().roots(), roots);
  auto c2 = (*reopened)->keys(0).column(sel[0]);
  EXPECT_TRUE(std::equal(c2.begin(), c2.end(), step->updated.key(0, p.d).begin()));
}

TEST(Model, ACloneSharesNoWriteWithItsSource) {
  TempDir dir;
  auto p = small();
  const auto src = dir.path / "src", copy = dir.path / "copy";
  ASSERT_TRUE(build_synthetic_model(src, p, 2));
  const auto roots = std::move(*Model::open(src, opts()))->store().roots();
  ASSERT_TRUE(Model::clone(src, copy));
  auto c = Model::clone(src, copy);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::kExists);
  EXPECT_EQ(Model::clone(dir.path / "none", dir.path / "x").error().code, Errc::kNotFound);
  {
    // Train the clone several times, with compactions, while the source stays as built.
    auto m = std::move(*Model::open(copy, opts()));
    EXPECT_EQ(m->store().roots(), roots);
    std::vector<float> target(p.d_out, 0.0f);
    target[0] = 1.0f;
    for (uint64_t i = 0; i < 5; ++i) {
      auto step = m->train_step(synthetic_input(p.d, 40 + i), target, 0.5f, Search::exact);
      ASSERT_TRUE(step) << step.error().message;
      ASSERT_TRUE(m->apply(step->writes));
    }
    EXPECT_NE(m->store().roots(), roots);
  }
  auto original = Model::open(src, opts());  // open re-hashes every leaf against the stored roots
  ASSERT_TRUE(original) << original.error().message;
  EXPECT_EQ((*original)->store().roots(), roots);
}

TEST(Model, AfterTrainingTheGraphSearchGivesTheSameAnswerAfterReopening) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = std::move(*Model::open(dir.path, opts()));
  std::vector<uint64_t> trained;  // every column a step changed
  for (uint64_t s = 0; s < 4; ++s) {
    std::vector<float> target(p.d_out, 0.0f);
    target[s % p.d_out] = 1.0f;
    auto step = m->train_step(synthetic_input(p.d, 500 + s), target, 0.5f, Search::exact);
    ASSERT_TRUE(step) << step.error().message;
    ASSERT_TRUE(m->apply(step->writes));
    for (uint64_t i : step->updated.indices) trained.push_back(i);
  }
  const Bytes query = synthetic_input(p.d, 500);
  const auto before = m->infer(query, Search::graph);
  ASSERT_TRUE(before);
  m.reset();
  auto reopened = Model::open(dir.path, opts());
  ASSERT_TRUE(reopened) << reopened.error().message;
  for (uint64_t i : trained) {
    auto want = *(*reopened)->store().leaf(0, i);
    auto got = (*reopened)->keys(0).column(i);
    ASSERT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << "column " << i;
  }
  const auto after = (*reopened)->infer(query, Search::graph);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->layers[0].pass.selected, before->layers[0].pass.selected);
  EXPECT_EQ(encode_floats(after->output()), encode_floats(before->output()));
}

TEST(Model, RejectsBadInputsAndTargetsWithoutChangingAnything) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = std::move(*Model::open(dir.path, opts()));
  const auto roots = m->store().roots();
  EXPECT_FALSE(m->infer(Bytes(p.d * 4 - 1, 0)));
  EXPECT_FALSE(m->infer(Bytes(p.d * 4, 0)));
  std::vector<float> target(p.d_out, 0.0f);
  EXPECT_FALSE(m->train_step(synthetic_input(p.d, 1), std::vector<float>(p.d_out + 1), 0.1f));
  EXPECT_FALSE(m->train_step(synthetic_input(p.d, 1), target, -0.1f));
  std::vector<LeafWrite> bad{{0, 0, std::vector<float>(p.d, 0.1f)}, {5, 0, {1.0f}}};
  EXPECT_FALSE(m->apply(bad));
  EXPECT_EQ(m->store().roots(), roots);
}

TEST(Model, OpenRefusesMissingOrMalformedDirectories) {
  TempDir dir;
  EXPECT_FALSE(Model::open(dir.path / "none"));
  ASSERT_TRUE(build_synthetic_model(dir.path, small(), 2));
  EXPECT_FALSE(build_synthetic_model(dir.path, small(), 2));  // already a model
  const std::string layer = R"({"type":"hopfield","d":24,"d_out":5,"n":3000,"k":8,"beta":12,"encoding":"f32",)";
  for (const std::string& manifest :
       {std::string("{"), std::string(R"({"format":2,"name":"x","layers":[]})"),
        std::string(R"({"format":1,"name":"x","layers":[]})"),
        std::string(R"({"format":2,"name":"x","layers":[{"type":"hopfield"}]})"),
        // a format-1 model (no search graph), an ef below k, an entry point that is no column
        R"({"format":1,"name":"x","layers":[)" + layer + R"("ef":40,"graph_m":16,"graph_levels":3,"entry_point":0}]})",
        R"({"format":2,"name":"x","layers":[)" + layer + R"("ef":7,"graph_m":16,"graph_levels":3,"entry_point":0}]})",
        R"({"format":2,"name":"x","layers":[)" + layer + R"("ef":40,"graph_m":16,"graph_levels":3,"entry_point":3000}]})"}) {
    std::ofstream(dir.path / "model.json", std::ios::trunc) << manifest;
    EXPECT_FALSE(Model::open(dir.path, opts())) << manifest;
  }
}

TEST(Model, LayerValidation) {
  LayerSpec hop{LayerType::hopfield, 4, 3, 10, 2, 5, InputEncoding::f32, {}};
  LayerSpec emb{LayerType::embedding, 0, 4, 10, 1, 0, InputEncoding::f32, {}};
  EXPECT_TRUE(validate_layers(std::vector{hop}));
  EXPECT_TRUE(validate_layers(std::vector{emb, hop}));
  EXPECT_FALSE(validate_layers(std::vector<LayerSpec>{}));
  EXPECT_FALSE(validate_layers(std::vector{hop, emb}));  // embedding not first
  LayerSpec wrong_d = hop;
  wrong_d.d = 5;
  EXPECT_FALSE(validate_layers(std::vector{emb, wrong_d}));
  LayerSpec u8 = hop;
  u8.encoding = InputEncoding::u8;
  EXPECT_FALSE(validate_layers(std::vector{emb, u8}));
  LayerSpec emb_k = emb;
  emb_k.k = 3;
  EXPECT_FALSE(validate_layers(std::vector{emb_k, hop}));
  LayerSpec emb_graph = emb;
  emb_graph.graph.ef = 40;
  EXPECT_FALSE(validate_layers(std::vector{emb_graph, hop}));  // an embedding has no search
  EXPECT_EQ(layer_tensors(hop, 2)[1].name, "L2.W_V");
  EXPECT_EQ(layer_tensors(emb, 0)[0].name, "L0.E");
  // The committed search: codes of code_bytes(4) = 68 bytes (17 words), rows of 2m + (levels - 1) m.
  hop.graph = {2, 4, 3, 9};
  ASSERT_TRUE(validate_graph(hop));
  EXPECT_EQ(search_tensors(hop, 1)[0].name, "L1.C");
  EXPECT_EQ(search_tensors(hop, 1)[0].leaf_floats, 17u);
  EXPECT_EQ(search_tensors(hop, 1)[1].name, "L1.G");
  EXPECT_EQ(search_tensors(hop, 1)[1].leaf_floats, 16u);
  EXPECT_TRUE(search_tensors(emb, 0).empty());
  for (auto bad : {GraphSpec{1, 4, 3, 9}, GraphSpec{kMaxEf + 1, 4, 3, 9}, GraphSpec{2, 1, 3, 9},
                   GraphSpec{2, kMaxGraphM + 1, 3, 9}, GraphSpec{2, 4, 0, 9}, GraphSpec{2, 4, kMaxGraphLevels + 1, 9},
                   GraphSpec{2, 4, 3, 10}}) {
    LayerSpec h = hop;
    h.graph = bad;
    EXPECT_FALSE(validate_graph(h)) << bad.ef << " " << bad.m << " " << bad.levels << " " << bad.entry_point;
  }
}

TEST(Model, EmbeddingThenHopfieldChainsLayers) {
  TempDir dir;
  const SyntheticParams hp{.n = 500, .d = 6, .d_out = 3, .k = 4, .beta = 5, .seed = 2};
  LayerSpec emb{LayerType::embedding, 0, 6, 50, 1, 0, InputEncoding::f32, {}};
  auto fill = [&](uint32_t t, uint64_t i, std::span<float> out) {
    if (t == 0) synthetic_value({.d_out = 6, .seed = 77}, i, out);
    else if (t == 1) synthetic_key(hp, i, out);
    else synthetic_value(hp, i, out);
  };
  ASSERT_TRUE(Model::create(dir.path, "chain", {emb, synthetic_layer(hp)}, fill, 2));
  auto m = Model::open(dir.path, opts());
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)->first_tensor(1), 1u);
  auto inf = (*m)->infer(encode_index(7), Search::exact);
  ASSERT_TRUE(inf) << inf.error().message;
  ASSERT_EQ(inf->layers.size(), 2u);
  std::vector<float> row(6);
  synthetic_value({.d_out = 6, .seed = 77}, 7, row);
  EXPECT_EQ(inf->layers[0].pass.output, row);
  EXPECT_EQ(inf->layers[0].leaves.values, row);
  auto x = *query_from_input(encode_floats(row), synthetic_layer(hp).hopfield());
  auto ref = forward_from_leaves(synthetic_layer(hp).hopfield(), x, inf->layers[1].leaves);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->output, inf->output());
  EXPECT_FALSE((*m)->infer(encode_index(50)));
  // Training moves the last layer only.
  auto step = (*m)->train_step(encode_index(7), std::vector<float>{1, 0, 0}, 0.2f, Search::exact);
  ASSERT_TRUE(step) << step.error().message;
  for (auto& w : step->writes) EXPECT_GE(w.tensor, 1u);
}

}  // namespace
}  // namespace ghost::ml
