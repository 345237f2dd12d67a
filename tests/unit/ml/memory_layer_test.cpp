// The batched forward and training of an in-memory layer must compute exactly what one
// input at a time computes: same selections, same bits, same weights afterwards.
#include "ml/serve/memory_layer.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "ml/canonical.h"
#include "ml/serve/synthetic.h"

namespace ghost::ml {
namespace {

const SyntheticParams kParams{.n = 3000, .d = 24, .d_out = 5, .k = 8, .beta = 12, .seed = 31};

std::vector<uint32_t> bits(std::span<const float> v) {
  std::vector<uint32_t> b;
  for (float x : v) b.push_back(std::bit_cast<uint32_t>(x));
  return b;
}

// Seven distinct random inputs, repeated (so a batch's later steps re-select columns its
// earlier steps moved), with an all-zero input (rejected) at `zero_at` when given.
std::vector<Bytes> inputs(size_t count, uint64_t seed, std::optional<size_t> zero_at = {}) {
  std::vector<Bytes> in;
  for (size_t i = 0; i < count; ++i)
    in.push_back(zero_at == i ? encode_floats(std::vector<float>(kParams.d, 0.0f)) : synthetic_input(kParams.d, seed + i % 7));
  return in;
}

std::vector<ByteSpan> spans(const std::vector<Bytes>& v) { return {v.begin(), v.end()}; }

TEST(MemoryLayerBatch, ForwardBatchEqualsForwardOfEachInput) {
  const MemoryLayer layer = synthetic_memory_layer(kParams);
  const auto in = inputs(75, 100, 40);  // more than two batches, one bad input inside one
  auto got = layer.forward_batch(spans(in), 2);
  ASSERT_EQ(got.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    auto want = layer.forward(in[i], 1);
    ASSERT_EQ(bool(got[i]), bool(want)) << i;
    if (!want) {
      EXPECT_EQ(got[i].error().message, want.error().message);
      continue;
    }
    EXPECT_EQ(got[i]->selected, want->selected) << i;
    EXPECT_EQ(bits(got[i]->scores), bits(want->scores)) << i;
    EXPECT_EQ(bits(got[i]->probs), bits(want->probs)) << i;
    EXPECT_EQ(bits(got[i]->output), bits(want->output)) << i;
  }
}

TEST(MemoryLayerBatch, TrainSequenceEqualsTrainingOneInputAtATime) {
  for (uint64_t seed : {200ull, 300ull}) {
    MemoryLayer batched = synthetic_memory_layer(kParams), single = synthetic_memory_layer(kParams);
    const auto in = inputs(70, seed);  // inputs repeat: later steps re-select columns earlier ones moved
    std::mt19937 rng{unsigned(seed)};
    std::vector<std::vector<float>> targets;
    std::vector<float> lrs;
    for (size_t i = 0; i < in.size(); ++i) {
      std::vector<float> t(kParams.d_out);
      for (float& x : t) x = std::uniform_real_distribution<float>(-1, 1)(rng);
      targets.push_back(t);
      lrs.push_back(0.5f / float(1 + i % 3));
    }
    ASSERT_TRUE(batched.train_sequence(spans(in), targets, lrs, 2));
    for (size_t i = 0; i < in.size(); ++i) ASSERT_TRUE(single.train(in[i], targets[i], lrs[i], 1));
    EXPECT_EQ(bits(batched.keys().data), bits(single.keys().data));
    for (uint64_t c = 0; c < kParams.n; ++c) ASSERT_EQ(bits(batched.value(c)), bits(single.value(c))) << c;
    EXPECT_NE(bits(batched.keys().data), bits(synthetic_memory_layer(kParams).keys().data));  // it did train
  }
}

// A bad input stops the sequence there: the steps before it ran, none after, as with train().
TEST(MemoryLayerBatch, TrainSequenceStopsAtABadInput) {
  MemoryLayer batched = synthetic_memory_layer(kParams), single = synthetic_memory_layer(kParams);
  const auto in = inputs(50, 400, 37);
  const std::vector<std::vector<float>> targets(in.size(), std::vector<float>(kParams.d_out, 0.25f));
  const std::vector<float> lrs(in.size(), 0.3f);
  auto r = batched.train_sequence(spans(in), targets, lrs, 2);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("zero"), std::string::npos) << r.error().message;
  for (size_t i = 0; i < 37; ++i) ASSERT_TRUE(single.train(in[i], targets[i], lrs[i], 1));
  EXPECT_EQ(bits(batched.keys().data), bits(single.keys().data));
  // A bad target fails its step the same way.
  MemoryLayer other = synthetic_memory_layer(kParams);
  const std::vector<std::vector<float>> short_targets(3, std::vector<float>(kParams.d_out - 1, 0.0f));
  EXPECT_FALSE(other.train_sequence(spans(inputs(3, 1)), short_targets, std::vector<float>(3, 0.1f)));
  EXPECT_THROW((void)other.train_sequence(spans(inputs(3, 1)), targets, lrs), std::invalid_argument);
}

}  // namespace
}  // namespace ghost::ml
