#include "ml/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ml/canonical.h"
#include "ml/hopfield.h"

namespace ghost::ml {
namespace {

std::vector<float> key(const SyntheticParams& p, uint64_t i) {
  std::vector<float> k(p.d);
  synthetic_key(p, i, k);
  return k;
}

TEST(Synthetic, UniformColumnsAreUnitAndAPureFunctionOfTheSeed) {
  const SyntheticParams p{.n = 100, .d = 32, .seed = 3};
  SyntheticParams other = p;
  other.seed = 4;
  for (uint64_t i : {0ull, 1ull, 99ull}) {
    auto k = key(p, i);
    EXPECT_NEAR(dot(k, k), 1.0f, 1e-5f);
    EXPECT_EQ(k, key(p, i));
    EXPECT_NE(k, key(other, i));
    EXPECT_NE(k, key(p, i + 1));
  }
  EXPECT_EQ(synthetic_query(p, 7), synthetic_input(p.d, 7));
}

// Clustered columns sit near their centre: a column is much closer to the other columns of
// its cluster than to those of other clusters, and a query's exact top-k is its own cluster.
TEST(Synthetic, ClusteredColumnsGroupAroundTheirCentres) {
  const SyntheticParams p{.n = 2000, .d = 64, .k = 16, .seed = 5, .clusters = 20, .spread = 1.0f};
  double same = 0, other = 0;
  size_t n_same = 0, n_other = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    auto a = key(p, i);
    EXPECT_NEAR(dot(a, a), 1.0f, 1e-5f);
    EXPECT_EQ(a, key(p, i));
    for (uint64_t j = i + 1; j < 200; ++j) {
      const float s = dot(a, key(p, j));
      if (i % p.clusters == j % p.clusters) same += s, ++n_same;
      else other += s, ++n_other;
    }
  }
  EXPECT_GT(same / double(n_same), 0.4);
  EXPECT_LT(std::fabs(other / double(n_other)), 0.1);

  auto layer = synthetic_memory_layer(p);
  for (uint64_t q = 0; q < 20; ++q) {
    auto x = query_from_input(synthetic_query(p, q), layer.spec());
    ASSERT_TRUE(x);
    for (auto s : exact_top_k(layer.keys(), *x, p.k, 1)) EXPECT_EQ(s.index % p.clusters, q % p.clusters);
  }
  SyntheticParams spread_out = p;
  spread_out.spread = 3.0f;
  EXPECT_NE(key(p, 0), key(spread_out, 0));
}

}  // namespace
}  // namespace ghost::ml
