#include "ml/verify/recall_fraud.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "ml/canonical.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "proof_models.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

using testing::hopfield_layer;
using testing::random_input;
using testing::TestModel;

TEST(RecallFraud, ChallengeSizeIsTheSmallestMThatProvesLowRecall) {
  EXPECT_EQ(challenge_size(16, 0.75f), 5u);
  EXPECT_EQ(challenge_size(16, 1.0f), 1u);
  EXPECT_EQ(challenge_size(10, 0.9f), 2u);  // 0.9f is a little below 0.9: (1 - r) k is just above 1
  EXPECT_EQ(challenge_size(5, 0.8f), 1u);   // 0.8f is a little above 0.8: 4/5 returned is already too few
  EXPECT_EQ(challenge_size(4, 0.5f), 3u);
  EXPECT_EQ(challenge_size(5, 0.2f), 4u);  // float32 floor((1 - r) * k) + 1 would say 5
  EXPECT_EQ(challenge_size(7, 1e-30f), 7u);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    const uint32_t k = 1 + uint32_t(rng() % (i % 2 ? 64 : 100000));
    float r = std::uniform_real_distribution<float>(0, 1)(rng);
    if (i % 3 == 0) r = float(1 + rng() % k) / float(k);  // the exact boundaries
    if (!(r > 0)) continue;
    const uint32_t m = challenge_size(k, r);
    ASSERT_GE(m, 1u);
    ASSERT_LE(m, k);
    // m returned columns outside the top-k make recall (k - m) / k < r; m - 1 do not.
    const long double rk = (long double)r * k;  // exact: 24-bit mantissa times a 32-bit integer
    ASSERT_LT((long double)(k - m), rk) << k << " " << r;
    ASSERT_GE((long double)(k - m + 1), rk) << k << " " << r;
  }
}

struct Fixture {
  TestModel model;
  ModelVersion version;
  Fixture(std::vector<LayerSpec> layers, uint64_t seed) : model(std::move(layers), seed) {
    version = *model_version(ghost_file_of(*model.model));
  }
  const Model& m() const { return *model.model; }

  // The answer for `input` with the last layer's best `drop` columns replaced by its worst.
  pb::GhostProof answer(ByteSpan input, uint32_t drop) const {
    auto inf = m().infer(input, Search::exact);
    if (!inf) throw std::runtime_error(inf.error().message);
    const size_t l = m().layers().size() - 1;
    const LayerSpec& spec = m().layers()[l];
    if (drop > 0) {
      const Bytes prev = l == 0 ? Bytes(input.begin(), input.end()) : encode_floats(inf->layers[l - 1].pass.output);
      auto x_hat = query_from_input(prev, spec.hopfield());
      auto ranking = exact_top_k(m().keys(l), *x_hat, spec.n);
      std::ranges::sort(ranking, better);
      Leaves leaves;
      for (size_t r = drop; r < spec.k; ++r) leaves.indices.push_back(ranking[r].index);
      for (size_t r = 0; r < drop; ++r) leaves.indices.push_back(ranking[spec.n - 1 - r].index);
      std::ranges::sort(leaves.indices);
      for (uint64_t i : leaves.indices) {
        auto key = m().store().leaf(m().first_tensor(l), i);
        auto value = m().store().leaf(m().first_tensor(l) + 1, i);
        leaves.keys.insert(leaves.keys.end(), key->begin(), key->end());
        leaves.values.insert(leaves.values.end(), value->begin(), value->end());
      }
      auto pass = forward_from_leaves(spec.hopfield(), *x_hat, leaves);
      inf->layers[l] = {std::move(leaves), std::move(*pass)};
    }
    return make_ghost_proof(m(), version.model_id, version.version, input, *inf);
  }
};

std::vector<std::vector<LayerSpec>> shapes() {
  return {
      {hopfield_layer(24, 5, 150, 16, InputEncoding::u8, 0.75f)},
      {hopfield_layer(12, 3, 90, 8, InputEncoding::f32, 1.0f)},
      {hopfield_layer(16, 6, 80, 10, InputEncoding::f32, 0.9f)},
      {hopfield_layer(20, 9, 64, 5, InputEncoding::u8), hopfield_layer(9, 4, 100, 12, InputEncoding::f32, 0.5f)},
  };
}

TEST(RecallFraud, AnExactAnswerCanNeverBeChallenged) {
  uint64_t seed = 200;
  for (const auto& layers : shapes()) {
    Fixture f(layers, seed++);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 40; ++i) {
      const pb::GhostProof result = f.answer(random_input(layers[0], rng), 0);
      auto found = find_recall_fraud(f.m(), f.version, result);
      ASSERT_TRUE(found) << found.error().message;
      EXPECT_FALSE(found->has_value()) << "challenged an exact answer";
    }
  }
}

TEST(RecallFraud, AnAnswerMissingMOrMoreOfTheTopKIsAlwaysChallenged) {
  uint64_t seed = 300;
  for (const auto& layers : shapes()) {
    Fixture f(layers, seed++);
    const LayerSpec& last = layers.back();
    const uint32_t m = challenge_size(last.k, last.min_recall);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 20; ++i) {
      const Bytes input = random_input(layers[0], rng);
      // m - 1 missing: recall still >= min_recall, so no challenge can exist.
      auto fine = find_recall_fraud(f.m(), f.version, f.answer(input, m - 1));
      ASSERT_TRUE(fine) << fine.error().message;
      EXPECT_FALSE(fine->has_value()) << "challenged an answer with recall >= min_recall";
      for (uint32_t drop = m; drop <= last.k; drop += std::max(1u, (last.k - m) / 3)) {
        const pb::GhostProof result = f.answer(input, drop);
        auto found = find_recall_fraud(f.m(), f.version, result, drop % 2 ? pb::LEAVES_DELTA_ZSTD : pb::LEAVES_RAW);
        ASSERT_TRUE(found) << found.error().message;
        ASSERT_TRUE(found->has_value()) << "no challenge for an answer missing " << drop << " of the top " << last.k;
        EXPECT_EQ((*found)->layer(), layers.size() - 1);
        EXPECT_EQ((*found)->keys().proof().indices_size(), int(m));
        auto decoded = pb::decode_as<pb::RecallFraudProof>(pb::encode(**found));
        ASSERT_TRUE(decoded);
        auto v = verify_recall_fraud(*decoded, result, f.version);
        EXPECT_TRUE(v) << v.error().message;
      }
    }
  }
}

TEST(RecallFraud, AForgedChallengeAgainstAnExactAnswerIsRejected) {
  Fixture f({hopfield_layer(24, 5, 150, 16, InputEncoding::u8, 0.75f)}, 17);
  std::mt19937_64 rng(18);
  for (int i = 0; i < 10; ++i) {
    const Bytes input = random_input(f.m().layers()[0], rng);
    const pb::GhostProof result = f.answer(input, 0);
    auto verified = verify_ghost_proof(result, f.version);
    ASSERT_TRUE(verified);
    // The best possible S: the m best columns outside the answer.
    auto ranking = exact_top_k(f.m().keys(0), verified->layers[0].x_hat, 150);
    std::ranges::sort(ranking, better);
    std::vector<uint64_t> s;
    for (size_t r = 16; r < 16 + 5; ++r) s.push_back(ranking[r].index);
    std::ranges::sort(s);
    Bytes leaves;
    for (uint64_t c : s) {
      auto b = f.m().store().leaf_bytes(0, c);
      leaves.insert(leaves.end(), b->begin(), b->end());
    }
    pb::RecallFraudProof forged;
    *forged.mutable_keys() = make_opening(f.m().store().tree(0), s, leaves, pb::LEAVES_RAW);
    auto v = verify_recall_fraud(forged, result, f.version);
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().message.find("not above a_m"), std::string::npos) << v.error().message;
  }
}

TEST(RecallFraud, TamperedChallengesAreRejected) {
  Fixture f({hopfield_layer(24, 5, 150, 16, InputEncoding::u8, 0.75f)}, 21);
  std::mt19937_64 rng(22);
  const pb::GhostProof result = f.answer(random_input(f.m().layers()[0], rng), 8);
  auto found = find_recall_fraud(f.m(), f.version, result);
  ASSERT_TRUE(found && found->has_value());
  const pb::RecallFraudProof valid = **found;
  ASSERT_TRUE(verify_recall_fraud(valid, result, f.version));
  const uint64_t in_answer = result.layers(0).selected(3);

  std::vector<std::pair<std::string, std::function<void(pb::RecallFraudProof&)>>> ms = {
      {"layer", [](auto& p) { p.set_layer(1); }},
      {"one column fewer", [](auto& p) { p.mutable_keys()->mutable_proof()->mutable_indices()->RemoveLast(); }},
      {"one column more", [](auto& p) { p.mutable_keys()->mutable_proof()->add_indices(149); }},
      {"a returned column",
       [&](auto& p) { p.mutable_keys()->mutable_proof()->set_indices(0, in_answer); }},
      {"count", [](auto& p) { p.mutable_keys()->mutable_proof()->set_n(151); }},
      {"no proof", [](auto& p) { p.mutable_keys()->clear_proof(); }},
      {"leaves truncated", [](auto& p) { p.mutable_keys()->mutable_leaves()->pop_back(); }},
  };
  for (size_t i = 0; i < valid.keys().leaves().size(); i += 37)
    ms.push_back({"leaf byte " + std::to_string(i), [i](auto& p) { (*p.mutable_keys()->mutable_leaves())[i] ^= 0x08; }});
  for (size_t h = 0; h < valid.keys().proof().helpers().size() / 32; ++h)
    ms.push_back({"helper " + std::to_string(h), [h](auto& p) { (*p.mutable_keys()->mutable_proof()->mutable_helpers())[32 * h] ^= 1; }});
  ms.push_back({"helpers short", [](auto& p) { p.mutable_keys()->mutable_proof()->mutable_helpers()->pop_back(); }});
  for (const auto& [what, apply] : ms) {
    pb::RecallFraudProof p = valid;
    apply(p);
    EXPECT_FALSE(verify_recall_fraud(p, result, f.version)) << "accepted a challenge with a tampered " << what;
  }
  // Against a tampered result the challenge proves nothing.
  pb::GhostProof bad = result;
  (*bad.mutable_layers(0)->mutable_output())[0] ^= 1;
  EXPECT_FALSE(verify_recall_fraud(valid, bad, f.version));
}

TEST(RecallFraud, RefusesWeightsOfAnotherVersion) {
  Fixture f({hopfield_layer(12, 3, 90, 8, InputEncoding::f32, 1.0f)}, 31);
  Fixture other({hopfield_layer(12, 3, 90, 8, InputEncoding::f32, 1.0f)}, 32);
  std::mt19937_64 rng(33);
  const pb::GhostProof result = f.answer(random_input(f.m().layers()[0], rng), 4);
  auto r = find_recall_fraud(other.m(), f.version, result);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMismatch) << r.error().message;
}

}  // namespace
}  // namespace ghost::ml
