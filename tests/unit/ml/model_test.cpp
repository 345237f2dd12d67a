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
  o.hnsw.threads = 2;
  o.hnsw.ef = 64;
  o.threads = 2;
  return o;
}

TEST(Model, SyntheticForwardMatchesTheReferenceWithExactAndHnswSearch) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = Model::open(dir.path, opts());
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ((*m)->layers().size(), 1u);
  EXPECT_EQ((*m)->layers()[0], synthetic_layer(p));
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
    auto approx = (*m)->infer(input, Search::hnsw);
    ASSERT_TRUE(approx);
    if (approx->layers[0].pass.selected == tr.pass.selected) {
      ++same_set;
      EXPECT_EQ(encode_floats(approx->output()), encode_floats(exact->output()));
    }
  }
  EXPECT_GE(same_set, 20);
}

TEST(Model, ReopenLoadsTheSavedIndexInsteadOfRebuilding) {
  TempDir dir;
  ASSERT_TRUE(build_synthetic_model(dir.path, small(), 2));
  ASSERT_TRUE(Model::open(dir.path, opts()));
  auto ix = dir.path / "index-L0.hnsw";
  ASSERT_TRUE(fs::exists(ix));
  const auto stamp = fs::last_write_time(ix);
  auto again = Model::open(dir.path, opts());
  ASSERT_TRUE(again);
  EXPECT_EQ(fs::last_write_time(ix), stamp);
}

TEST(Model, AnIndexWhoseColumnsDifferFromTheLeavesIsRebuiltNotTrusted) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  Hash32 root;
  {
    auto m = Model::open(dir.path, opts());
    ASSERT_TRUE(m);
    root = (*m)->store().root(0);
  }
  // A forged index: other columns, metadata claiming the real root.
  SyntheticParams other = p;
  other.seed = p.seed + 1;
  ColumnMatrix keys(p.d, p.n);
  for (uint64_t i = 0; i < p.n; ++i) synthetic_key(other, i, keys.column(i));
  ASSERT_TRUE(HnswIndex::build(keys, {.threads = 2})->save(dir.path / "index-L0.hnsw", {&root, 1}));
  auto m = Model::open(dir.path, opts());
  ASSERT_TRUE(m);
  std::vector<float> want(p.d);
  synthetic_key(p, 5, want);
  auto c = (*m)->index(0)->column(5);
  EXPECT_TRUE(std::equal(c.begin(), c.end(), want.begin()));
  auto inf = (*m)->infer(synthetic_input(p.d, 3));
  ASSERT_TRUE(inf);
  auto exact = (*m)->infer(synthetic_input(p.d, 3), Search::exact);
  EXPECT_EQ(encode_floats(inf->layers[0].leaves.keys).size(), encode_floats(exact->layers[0].leaves.keys).size());
  for (size_t r = 0; r < inf->layers[0].leaves.indices.size(); ++r) {
    auto k = *(*m)->store().leaf(0, inf->layers[0].leaves.indices[r]);
    auto got = inf->layers[0].leaves.key(r, p.d);
    EXPECT_TRUE(std::equal(k.begin(), k.end(), got.begin()));
  }
}

TEST(Model, TrainingStepUpdatesStoreRootsIndexAndSurvivesReopen) {
  TempDir dir;
  auto p = small();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = std::move(*Model::open(dir.path, opts()));
  const Bytes input = synthetic_input(p.d, 99);
  std::vector<float> target(p.d_out, 0.0f);
  target[1] = 1.0f;
  const auto old_roots = m->store().roots();
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
  // The index holds the new columns, and the loss went down.
  auto c = m->index(0)->column(sel[0]);
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
  auto c2 = (*reopened)->index(0)->column(sel[0]);
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

TEST(Model, TrainingKeepsTheSavedIndexCurrentSoReopeningLoadsIt) {
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
  const Hash32 keys_root = m->store().root(0);
  // The file on disk is the index of the trained columns, saved for the new W_K root.
  auto saved = HnswIndex::load(m->index_path(0), p.d, p.n, {&keys_root, 1}, opts().hnsw);
  ASSERT_TRUE(saved) << "the index file is stale after training: " << saved.error().message;
  for (uint64_t i : trained) {
    auto want = *m->store().leaf(0, i);
    auto got = (*saved)->column(i);
    ASSERT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << "column " << i;
  }
  EXPECT_FALSE(fs::exists(m->index_path(0).string() + ".tmp"));
  EXPECT_FALSE(fs::exists(m->index_path(0).string() + ".meta.tmp"));
  // Reopening loads that file (no rebuild rewrites it) and serves the trained columns.
  const auto stamp = fs::last_write_time(m->index_path(0));
  const Bytes query = synthetic_input(p.d, 500);
  const auto before = m->infer(query, Search::hnsw);
  ASSERT_TRUE(before);
  m.reset();
  auto reopened = Model::open(dir.path, opts());
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(fs::last_write_time((*reopened)->index_path(0)), stamp);
  for (uint64_t i : trained) {
    auto want = *(*reopened)->store().leaf(0, i);
    auto got = (*reopened)->index(0)->column(i);
    ASSERT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << "column " << i;
  }
  const auto after = (*reopened)->infer(query, Search::hnsw);
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
  for (const char* manifest : {"{", "{\"format\":2,\"name\":\"x\",\"layers\":[]}", "{\"format\":1,\"name\":\"x\",\"layers\":[]}",
                               "{\"format\":1,\"name\":\"x\",\"layers\":[{\"type\":\"hopfield\"}]}"}) {
    std::ofstream(dir.path / "model.json", std::ios::trunc) << manifest;
    EXPECT_FALSE(Model::open(dir.path, opts())) << manifest;
  }
}

TEST(Model, LayerValidation) {
  LayerSpec hop{LayerType::hopfield, 4, 3, 10, 2, 5, 0.75f, InputEncoding::f32};
  LayerSpec emb{LayerType::embedding, 0, 4, 10, 1, 0, 1, InputEncoding::f32};
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
  EXPECT_EQ(layer_tensors(hop, 2)[1].name, "L2.W_V");
  EXPECT_EQ(layer_tensors(emb, 0)[0].name, "L0.E");
}

TEST(Model, EmbeddingThenHopfieldChainsLayers) {
  TempDir dir;
  const SyntheticParams hp{.n = 500, .d = 6, .d_out = 3, .k = 4, .beta = 5, .seed = 2};
  LayerSpec emb{LayerType::embedding, 0, 6, 50, 1, 0, 1, InputEncoding::f32};
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
