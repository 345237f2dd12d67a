#include "ml/hopfield.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>

#include "crypto/hash.h"
#include "ml/canonical.h"
#include "ml/serve/synthetic.h"

namespace ghost::ml {
namespace {

std::vector<float> query(const HopfieldSpec& spec, uint64_t seed) {
  auto x = query_from_input(synthetic_input(spec.d, seed), spec);
  EXPECT_TRUE(x);
  return *x;
}

TEST(HopfieldInput, DecodesU8AndF32) {
  Bytes u8{0, 255, 51};
  auto x = decode_input(u8, 3, InputEncoding::u8);
  ASSERT_TRUE(x);
  EXPECT_EQ((*x)[0], 0.0f);
  EXPECT_EQ((*x)[1], 1.0f);
  EXPECT_EQ((*x)[2], 51.0f / 255.0f);
  std::vector<float> f{1.5f, -2.0f};
  auto y = decode_input(encode_floats(f), 2, InputEncoding::f32);
  ASSERT_TRUE(y);
  EXPECT_EQ(*y, f);
}

TEST(HopfieldInput, RejectsMalformedInputsWithReasons) {
  HopfieldSpec u8{4, 2, 10, 3, 20, InputEncoding::u8};
  HopfieldSpec f32 = u8;
  f32.encoding = InputEncoding::f32;
  std::vector<std::pair<HopfieldSpec, Bytes>> bad = {
      {u8, Bytes(3, 1)},                                  // short
      {u8, Bytes(5, 1)},                                  // long
      {u8, Bytes(4, 0)},                                  // zero
      {f32, Bytes(15, 0)},                                // not whole floats
      {f32, encode_floats(std::vector<float>{1, 2, 3, NAN})},
      {f32, encode_floats(std::vector<float>{1, INFINITY, 3, 4})},
      {f32, encode_floats(std::vector<float>{0, 0, 0, 0})},
      {f32, encode_floats(std::vector<float>{1e-30f, 0, 0, 0})},  // norm underflows
  };
  for (auto& [spec, input] : bad) {
    auto r = query_from_input(input, spec);
    ASSERT_FALSE(r);
    EXPECT_FALSE(r.error().message.empty());
  }
  EXPECT_TRUE(query_from_input(Bytes{1, 0, 0, 0}, u8));
}

TEST(HopfieldSpec, Validation) {
  HopfieldSpec ok{4, 2, 10, 3, 20, InputEncoding::u8};
  EXPECT_TRUE(validate(ok));
  for (auto mutate : std::vector<void (*)(HopfieldSpec&)>{
           [](HopfieldSpec& s) { s.d = 0; }, [](HopfieldSpec& s) { s.d_out = 0; }, [](HopfieldSpec& s) { s.n = 0; },
           [](HopfieldSpec& s) { s.k = 0; }, [](HopfieldSpec& s) { s.beta = 0; },
           [](HopfieldSpec& s) { s.beta = INFINITY; },
           [](HopfieldSpec& s) { s.encoding = InputEncoding(9); }}) {
    HopfieldSpec s = ok;
    mutate(s);
    EXPECT_FALSE(validate(s));
  }
  EXPECT_EQ((HopfieldSpec{4, 2, 3, 16, 1, InputEncoding::u8}.selected_count()), 3u);
}

TEST(HopfieldTopK, TiesGoToTheLowerIndexAndNaNNeverWins) {
  std::vector<Scored> c{{0.5f, 7}, {0.9f, 3}, {0.5f, 2}, {NAN, 0}, {0.5f, 5}, {-1.0f, 1}};
  auto best = best_of(c, 3);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].index, 2u);  // ascending by index
  EXPECT_EQ(best[1].index, 3u);
  EXPECT_EQ(best[2].index, 5u);
  EXPECT_EQ(best_of(c, 10).size(), c.size());
}

TEST(HopfieldTopK, ExactMatchesFullSortOnRandomData) {
  std::mt19937_64 rng(21);
  for (int t = 0; t < 6; ++t) {
    SyntheticParams p{.n = 1000 + rng() % 20000, .d = uint32_t(1 + rng() % 40), .seed = rng()};
    MemoryLayer m = synthetic_memory_layer(p);
    auto x = query(m.spec(), rng());
    std::vector<Scored> all;
    for (uint64_t i = 0; i < p.n; ++i) all.push_back({dot(m.keys().column(i), x), i});
    std::sort(all.begin(), all.end(), better);
    all.resize(p.k);
    std::sort(all.begin(), all.end(), [](auto a, auto b) { return a.index < b.index; });
    for (unsigned threads : {1u, 2u, 5u}) {
      auto got = exact_top_k(m.keys(), x, p.k, threads);
      ASSERT_EQ(got.size(), all.size());
      for (size_t r = 0; r < got.size(); ++r) {
        EXPECT_EQ(got[r].index, all[r].index);
        EXPECT_EQ(std::bit_cast<uint32_t>(got[r].score), std::bit_cast<uint32_t>(all[r].score));
      }
    }
  }
}

// A batch scan gives every query exactly what its own scan gives, for any k and thread count.
TEST(HopfieldTopK, BatchEqualsOneQueryAtATime) {
  std::mt19937_64 rng(22);
  for (int t = 0; t < 4; ++t) {
    SyntheticParams p{.n = 500 + rng() % 9000, .d = uint32_t(1 + rng() % 40), .seed = rng()};
    MemoryLayer m = synthetic_memory_layer(p);
    std::vector<std::vector<float>> xs;
    for (int q = 0; q < 1 + t * 5; ++q) xs.push_back(query(m.spec(), rng()));
    xs.push_back(std::vector<float>(m.keys().column(3).begin(), m.keys().column(3).end()));  // a stored column
    for (size_t k : {size_t(1), size_t(16), size_t(300)})
      for (unsigned threads : {1u, 2u, 3u}) {
        auto batch = exact_top_k_batch(m.keys(), xs, k, threads);
        ASSERT_EQ(batch.size(), xs.size());
        for (size_t q = 0; q < xs.size(); ++q) {
          auto one = exact_top_k(m.keys(), xs[q], k, 1);
          ASSERT_EQ(batch[q].size(), one.size());
          for (size_t r = 0; r < one.size(); ++r) {
            EXPECT_EQ(batch[q][r].index, one[r].index);
            EXPECT_EQ(std::bit_cast<uint32_t>(batch[q][r].score), std::bit_cast<uint32_t>(one[r].score));
          }
        }
      }
  }
  EXPECT_TRUE(exact_top_k_batch(synthetic_memory_layer({.n = 50, .d = 4}).keys(), {}, 16, 2).empty());
}

TEST(HopfieldTopK, DuplicateColumnsTieToLowerIndex) {
  ColumnMatrix keys(2, 6);
  for (uint64_t i = 0; i < 6; ++i) {
    keys.column(i)[0] = i % 2 ? 1.0f : 0.0f;
    keys.column(i)[1] = i % 2 ? 0.0f : 1.0f;
  }
  std::vector<float> x{1.0f, 0.0f};  // columns 1, 3, 5 all score 1
  auto top = exact_top_k(keys, x, 2, 1);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].index, 1u);
  EXPECT_EQ(top[1].index, 3u);
}

TEST(HopfieldForward, ComputesTheDefinition) {
  MemoryLayer m = synthetic_memory_layer({.n = 300, .d = 12, .d_out = 5, .k = 4, .beta = 7.5f, .seed = 3});
  auto spec = m.spec();
  auto x = query(spec, 9);
  auto sel = exact_top_k(m.keys(), x, spec.k);
  auto pass = forward_from_leaves(spec, x, m.leaves(sel));
  ASSERT_TRUE(pass);
  std::vector<float> s;
  for (auto c : sel) s.push_back(dot(m.keys().column(c.index), x));
  auto p = softmax(s, spec.beta);
  for (uint32_t j = 0; j < spec.d_out; ++j) {
    float o = 0;
    for (size_t r = 0; r < sel.size(); ++r) o = o + p[r] * m.value(sel[r].index)[j];
    EXPECT_EQ(std::bit_cast<uint32_t>(pass->output[j]), std::bit_cast<uint32_t>(o));
  }
  EXPECT_EQ(pass->scores, s);
  EXPECT_EQ(pass->probs, p);
}

TEST(HopfieldForward, RejectsInconsistentSelections) {
  MemoryLayer m = synthetic_memory_layer({.n = 50, .d = 6, .d_out = 3, .k = 4, .seed = 4});
  auto spec = m.spec();
  auto x = query(spec, 1);
  auto good = m.leaves(exact_top_k(m.keys(), x, spec.k));
  ASSERT_TRUE(forward_from_leaves(spec, x, good));
  std::vector<std::function<void(Leaves&, std::vector<float>&)>> breaks = {
      [](Leaves& l, auto&) { l.indices.pop_back(); },
      [](Leaves& l, auto&) { std::swap(l.indices[0], l.indices[1]); },
      [](Leaves& l, auto&) { l.indices[1] = l.indices[0]; },
      [](Leaves& l, auto&) { l.indices.back() = 50; },
      [](Leaves& l, auto&) { l.keys.pop_back(); },
      [](Leaves& l, auto&) { l.values.push_back(0); },
      [](Leaves& l, auto&) { l.values[0] = NAN; },
      [](Leaves&, std::vector<float>& q) { q.push_back(0); },
  };
  for (auto& b : breaks) {
    Leaves l = good;
    auto q = x;
    b(l, q);
    auto r = forward_from_leaves(spec, q, l);
    ASSERT_FALSE(r);
    EXPECT_FALSE(r.error().message.empty());
  }
}

// The protocol's pinned output: a fixed synthetic model and input. Changing these hashes is a
// protocol change (docs/protocol.md §3).
TEST(HopfieldGolden, SyntheticModelOutputBytes) {
  MemoryLayer m = synthetic_memory_layer({.n = 5000, .d = 64, .d_out = 8, .k = 16, .beta = 20, .seed = 42});
  auto spec = m.spec();
  auto x = query(spec, 7);
  auto sel = exact_top_k(m.keys(), x, spec.k);
  Bytes indices;
  for (auto s : sel) put_u64le(indices, s.index);
  auto pass = forward_from_leaves(spec, x, m.leaves(sel));
  ASSERT_TRUE(pass);
  EXPECT_EQ(sha256(encode_floats(x)).hex(), "ffaead432e5645186ba3a313852d358f6952b712cacb3b719ad9470055bf5c04");
  EXPECT_EQ(sha256(indices).hex(), "65a2839e82833ccf6903567d1120beb4f0bd22f58219f8173aa38b81299bb03a");
  EXPECT_EQ(sha256(encode_floats(pass->output)).hex(), "d9970ce7f14dc0111e6218bc2cea0d544b37683b5c6abe6a0b150cb822b1d71c");
}

float loss(const std::vector<float>& o, const std::vector<float>& t) {
  float l = 0;
  for (size_t j = 0; j < o.size(); ++j) l += 0.5f * (o[j] - t[j]) * (o[j] - t[j]);
  return l;
}

TEST(HopfieldTraining, StepLowersTheLossAndKeepsColumnsUnitNorm) {
  MemoryLayer m = synthetic_memory_layer({.n = 2000, .d = 32, .d_out = 6, .k = 8, .beta = 10, .seed = 5});
  auto spec = m.spec();
  std::vector<float> target(spec.d_out, 0.0f);
  target[2] = 1.0f;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto x = query(spec, seed);
    auto leaves = m.leaves(exact_top_k(m.keys(), x, spec.k));
    auto step = train_from_leaves(spec, x, leaves, target, 0.5f);
    ASSERT_TRUE(step);
    EXPECT_EQ(step->updated.indices, leaves.indices);
    auto after = forward_from_leaves(spec, x, step->updated);
    ASSERT_TRUE(after);
    EXPECT_LT(loss(after->output, target), loss(step->pass.output, target)) << seed;
    for (size_t r = 0; r < leaves.indices.size(); ++r)
      EXPECT_NEAR(dot(step->updated.key(r, spec.d), step->updated.key(r, spec.d)), 1.0f, 1e-5f);
    // Pure function of the revealed leaves: the same bits again.
    auto again = train_from_leaves(spec, x, leaves, target, 0.5f);
    ASSERT_TRUE(again);
    EXPECT_EQ(encode_floats(again->updated.keys), encode_floats(step->updated.keys));
    EXPECT_EQ(encode_floats(again->updated.values), encode_floats(step->updated.values));
  }
}

TEST(HopfieldTraining, FollowsTheDesignFormulas) {
  MemoryLayer m = synthetic_memory_layer({.n = 100, .d = 5, .d_out = 3, .k = 3, .beta = 4, .seed = 6});
  auto spec = m.spec();
  auto x = query(spec, 2);
  auto leaves = m.leaves(exact_top_k(m.keys(), x, spec.k));
  std::vector<float> t{0.25f, -1.0f, 0.5f};
  const float lr = 0.1f;
  auto step = train_from_leaves(spec, x, leaves, t, lr);
  ASSERT_TRUE(step);
  auto& p = step->pass.probs;
  std::vector<float> d_o(3), g(3);
  for (int j = 0; j < 3; ++j) d_o[j] = step->pass.output[j] - t[j];
  float c = 0;
  for (int r = 0; r < 3; ++r) {
    g[r] = dot(d_o, leaves.value(r, 3));
    c = c + p[r] * g[r];
  }
  for (int r = 0; r < 3; ++r) {
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(step->updated.values[r * 3 + j], leaves.values[r * 3 + j] - lr * (p[r] * d_o[j]));
    std::vector<float> k(leaves.key(r, 5).begin(), leaves.key(r, 5).end());
    const float coef = spec.beta * (p[r] * (g[r] - c));
    for (int j = 0; j < 5; ++j) k[j] = k[j] - lr * (coef * x[j]);
    ASSERT_TRUE(normalize(k));
    for (int j = 0; j < 5; ++j) EXPECT_EQ(step->updated.keys[r * 5 + j], k[j]);
  }
}

TEST(HopfieldTraining, RejectsBadTargetsAndRates) {
  MemoryLayer m = synthetic_memory_layer({.n = 40, .d = 4, .d_out = 2, .k = 3, .seed = 8});
  auto spec = m.spec();
  auto x = query(spec, 1);
  auto leaves = m.leaves(exact_top_k(m.keys(), x, spec.k));
  std::vector<float> t{1, 0};
  EXPECT_FALSE(train_from_leaves(spec, x, leaves, std::vector<float>{1}, 0.1f));
  EXPECT_FALSE(train_from_leaves(spec, x, leaves, std::vector<float>{1, NAN}, 0.1f));
  EXPECT_FALSE(train_from_leaves(spec, x, leaves, t, 0.0f));
  EXPECT_FALSE(train_from_leaves(spec, x, leaves, t, NAN));
  EXPECT_FALSE(train_from_leaves(spec, x, leaves, t, INFINITY));
  EXPECT_FALSE(train_from_leaves(spec, x, leaves, t, 1e38f));  // blows the rows up
  Leaves broken = leaves;
  broken.indices.pop_back();
  EXPECT_FALSE(train_from_leaves(spec, x, broken, t, 0.1f));
}

TEST(HopfieldGolden, SyntheticTrainingStepBytes) {
  MemoryLayer m = synthetic_memory_layer({.n = 5000, .d = 64, .d_out = 8, .k = 16, .beta = 20, .seed = 42});
  auto spec = m.spec();
  auto x = query(spec, 7);
  std::vector<float> t(8, 0.0f);
  t[3] = 1.0f;
  auto step = train_from_leaves(spec, x, m.leaves(exact_top_k(m.keys(), x, spec.k)), t, 0.25f);
  ASSERT_TRUE(step);
  Bytes all = encode_floats(step->updated.keys);
  append_floats(all, step->updated.values);
  EXPECT_EQ(sha256(all).hex(), "e6675d9bc94c7d87d6c0842935f5a870acb4d7ed3069cc4359cb8d654888de79");
}

}  // namespace
}  // namespace ghost::ml
