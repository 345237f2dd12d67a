// Sparse training as a learning algorithm (not just as arithmetic): on fashion-mnist, steps
// on images the memory does not hold must improve test accuracy.
#include <gtest/gtest.h>

#include <algorithm>

#include "ml/canonical.h"
#include "ml/serve/fashion_mnist.h"

namespace ghost::ml {
namespace {

double accuracy(const MemoryLayer& layer, const FashionSet& test, uint64_t count) {
  uint64_t right = 0;
  for (uint64_t i = 0; i < count; ++i) {
    auto pass = layer.forward(test.image(i), 2);
    EXPECT_TRUE(pass);
    auto best = std::max_element(pass->output.begin(), pass->output.end()) - pass->output.begin();
    right += uint64_t(best) == test.labels[i];
  }
  return double(right) / double(count);
}

TEST(Training, HeldOutStepsImproveTestAccuracy) {
  auto train = load_fashion_train();
  auto test = load_fashion_test();
  ASSERT_TRUE(train && test);
  // Memory: the first 2,000 training images. Trained on: the next 3,000, which it does not hold.
  MemoryLayer layer = fashion_memory_layer(*train, 0, 2000);
  const double before = accuracy(layer, *test, 1000);
  const auto keys_before = layer.keys().data;
  // The columns each step may update: the k its forward pass selects, before the step.
  std::vector<bool> selected(2000, false);
  for (uint64_t i = 2000; i < 5000; ++i) {
    auto pass = layer.forward(train->image(i), 2);
    ASSERT_TRUE(pass);
    for (uint64_t c : pass->selected) selected[c] = true;
    ASSERT_TRUE(layer.train(train->image(i), one_hot(train->labels[i]), 0.01f, 2));
  }
  const double after = accuracy(layer, *test, 1000);
  EXPECT_GT(after, before + 0.01) << "before " << before << " after " << after;
  // Only selected columns moved, and every column is still unit norm.
  size_t moved = 0, ever_selected = 0;
  for (uint64_t i = 0; i < 2000; ++i) {
    auto c = layer.keys().column(i);
    const bool changed = !std::equal(c.begin(), c.end(), keys_before.begin() + i * 784);
    moved += changed;
    ever_selected += selected[i];
    EXPECT_TRUE(!changed || selected[i]) << "column " << i << " moved but was never selected";
    ASSERT_NEAR(dot(c, c), 1.0f, 1e-4f);
  }
  EXPECT_GT(moved, 0u);
  EXPECT_LE(moved, ever_selected);
  EXPECT_LT(ever_selected, 2000u) << "every column was selected: the bound above says nothing";
}

TEST(Training, IsDeterministic) {
  auto train = load_fashion_train();
  ASSERT_TRUE(train);
  // 9,000 columns: enough for the top-k scan to split over two threads (4,096 per thread).
  MemoryLayer a = fashion_memory_layer(*train, 0, 9000), b = a;
  for (uint64_t i = 9000; i < 9200; ++i) {
    ASSERT_TRUE(a.train(train->image(i), one_hot(train->labels[i]), 0.03f, 1));
    ASSERT_TRUE(b.train(train->image(i), one_hot(train->labels[i]), 0.03f, 2));
  }
  EXPECT_EQ(encode_floats(a.keys().data), encode_floats(b.keys().data));
}

}  // namespace
}  // namespace ghost::ml
