#include "ml/verify/train_proof.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "ml/canonical.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/verify/ghost_proof.h"
#include "proof_models.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

using testing::embedding_layer;
using testing::hopfield_layer;
using testing::random_input;
using testing::TestModel;

std::vector<float> random_target(uint32_t d_out, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> t(d_out);
  for (auto& v : t) v = u(rng);
  return t;
}

// Every tensor's root from all its leaves, built from scratch.
std::vector<Hash32> rebuilt_roots(const WeightStore& store) {
  std::vector<Hash32> roots;
  for (uint32_t t = 0; t < store.tensor_count(); ++t) {
    std::vector<Bytes> leaves;
    auto r = store.for_each_leaf(t, [&](uint64_t, std::span<const float> v) { leaves.push_back(encode_floats(v)); });
    EXPECT_TRUE(r);
    roots.push_back(merkle::Tree::build(leaves.size(), [&](uint64_t i) { return ByteSpan(leaves[i]); }).root());
  }
  return roots;
}

struct Trainer {
  TestModel model;
  ModelVersion version;
  Trainer(std::vector<LayerSpec> layers, uint64_t seed) : model(std::move(layers), seed) {
    version = *model_version(ghost_file_of(*model.model));
  }
  const LayerSpec& first() const { return model.model->layers().front(); }
  const LayerSpec& last() const { return model.model->layers().back(); }
};

std::vector<std::vector<LayerSpec>> shapes() {
  return {
      {hopfield_layer(24, 5, 120, 6, InputEncoding::u8)},
      {hopfield_layer(20, 9, 64, 5, InputEncoding::u8), hopfield_layer(9, 4, 50, 3)},
      {embedding_layer(30, 12), hopfield_layer(12, 2, 40, 4)},
      {embedding_layer(25, 7)},
  };
}

TEST(TrainProof, NewRootsEqualTheStoreAfterTheStepAndAFullRebuild) {
  uint64_t seed = 100;
  for (const auto& layers : shapes()) {
    Trainer tr(layers, seed++);
    std::mt19937_64 rng(seed);
    for (int step_no = 0; step_no < 12; ++step_no) {
      const Bytes input = random_input(tr.first(), rng);
      const auto target = random_target(tr.last().d_out, rng);
      auto step = tr.model.model->train_step(input, target, 0.2f, Search::exact);
      ASSERT_TRUE(step) << step.error().message;
      const auto enc = step_no % 2 ? pb::LEAVES_DELTA_ZSTD : pb::LEAVES_RAW;
      const pb::TrainProof proof =
          make_train_proof(*tr.model.model, tr.version.model_id, tr.version.version, input, target, 0.2f, *step, enc);
      auto verified = verify_train_proof(proof, tr.version);
      ASSERT_TRUE(verified) << verified.error().message;
      const std::vector<Hash32>& roots = verified->roots;
      EXPECT_EQ(verified->writes.size(), step->writes.size());
      // Applying what the verifier recomputed is applying the worker's step.
      ASSERT_TRUE(tr.model.model->apply(step_no % 3 ? step->writes : verified->writes));
      // The weights' roots moved; the search tensors' (after them in the store) did not.
      auto all = tr.model.model->store().roots();
      EXPECT_EQ(roots, tr.model.model->weight_roots());
      EXPECT_EQ(all, rebuilt_roots(tr.model.model->store()));
      EXPECT_EQ(std::vector<Hash32>(all.begin() + ptrdiff_t(roots.size()), all.end()), tr.version.search_roots);
      EXPECT_NE(roots, tr.version.roots);
      // The step moved the model: the same proof no longer verifies against the new version.
      ModelVersion moved = tr.version;
      moved.roots = roots;
      EXPECT_FALSE(verify_train_proof(proof, moved));
      tr.version = moved;
      tr.version.version += 1;
    }
  }
}

struct Mutation {
  std::string what;
  std::function<void(pb::TrainProof&)> apply;
};

TEST(TrainProof, TamperingIsRejected) {
  Trainer tr({hopfield_layer(20, 9, 64, 5, InputEncoding::u8), hopfield_layer(9, 4, 50, 3)}, 7);
  std::mt19937_64 rng(8);
  const Bytes input = random_input(tr.first(), rng);
  const auto target = random_target(tr.last().d_out, rng);
  auto step = tr.model.model->train_step(input, target, 0.5f, Search::exact);
  ASSERT_TRUE(step);
  const pb::TrainProof valid = make_train_proof(*tr.model.model, tr.version.model_id, 0, input, target, 0.5f, *step);
  ASSERT_TRUE(verify_train_proof(valid, tr.version));

  std::vector<Mutation> ms;
  for (size_t i = 0; i < valid.target().size(); ++i)
    ms.push_back({"target byte " + std::to_string(i), [i](auto& p) { (*p.mutable_target())[i] ^= 0x10; }});
  ms.push_back({"target truncated", [](auto& p) { p.mutable_target()->resize(p.target().size() - 4); }});
  ms.push_back({"target extended", [](auto& p) { p.mutable_target()->append(4, '\0'); }});
  ms.push_back({"target NaN", [](auto& p) { p.set_target(std::string(p.target().size(), '\xff')); }});
  ms.push_back({"lr", [](auto& p) { p.set_lr(std::nextafter(p.lr(), 1.0f)); }});
  ms.push_back({"lr zero", [](auto& p) { p.set_lr(0); }});
  ms.push_back({"lr NaN", [](auto& p) { p.set_lr(std::nanf("")); }});
  ms.push_back({"lr inf", [](auto& p) { p.set_lr(INFINITY); }});
  for (int t = 0; t < valid.new_roots_size(); ++t) {
    ms.push_back({"new root " + std::to_string(t), [t](auto& p) { (*p.mutable_new_roots(t))[t] ^= 1; }});
    ms.push_back({"new root " + std::to_string(t) + " short", [t](auto& p) { p.mutable_new_roots(t)->pop_back(); }});
  }
  ms.push_back({"new root missing", [](auto& p) { p.mutable_new_roots()->RemoveLast(); }});
  ms.push_back({"new root extra", [](auto& p) { p.add_new_roots(std::string(32, 'r')); }});
  ms.push_back({"old roots claimed", [&](auto& p) {
                  for (int t = 0; t < p.new_roots_size(); ++t)
                    p.set_new_roots(t, std::string(tr.version.roots[size_t(t)].bytes.begin(), tr.version.roots[size_t(t)].bytes.end()));
                }});
  ms.push_back({"forward output", [](auto& p) { (*p.mutable_forward()->mutable_layers(1)->mutable_output())[0] ^= 1; }});
  ms.push_back({"forward leaf", [](auto& p) { (*p.mutable_forward()->mutable_layers(1)->mutable_openings(1)->mutable_leaves())[3] ^= 1; }});
  ms.push_back({"forward selected", [](auto& p) { p.mutable_forward()->mutable_layers(1)->set_selected(0, 49); }});
  ms.push_back({"forward missing", [](auto& p) { p.clear_forward(); }});
  for (const auto& m : ms) {
    pb::TrainProof p = valid;
    m.apply(p);
    auto decoded = pb::decode_as<pb::TrainProof>(pb::encode(p));
    ASSERT_TRUE(decoded);
    auto r = verify_train_proof(*decoded, tr.version);
    EXPECT_FALSE(r) << "accepted a training proof with a tampered " << m.what;
  }
}

}  // namespace
}  // namespace ghost::ml
