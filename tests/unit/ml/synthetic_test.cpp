#include "ml/serve/synthetic.h"

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

// v less its projection on the orthonormal basis.
std::vector<double> outside(std::vector<double> v, const std::vector<std::vector<double>>& basis) {
  for (auto& b : basis) {
    double c = 0;
    for (size_t j = 0; j < v.size(); ++j) c += v[j] * b[j];
    for (size_t j = 0; j < v.size(); ++j) v[j] -= c * b[j];
  }
  return v;
}
double norm(const std::vector<double>& v) {
  double n = 0;
  for (double x : v) n += x * x;
  return std::sqrt(n);
}

// With intrinsic dimension r every column and query lies in one r-dimensional subspace: r
// columns span it and the rest have (almost) nothing outside it; uniform columns do not.
TEST(Synthetic, LatentColumnsAndQueriesLieInAnRDimensionalSubspace) {
  const SyntheticParams p{.n = 300, .d = 24, .seed = 5, .latent = 4};
  const SyntheticParams uniform{.n = 300, .d = 24, .seed = 5};
  auto as_double = [](std::span<const float> f) { return std::vector<double>(f.begin(), f.end()); };
  auto basis_of = [&](const SyntheticParams& sp) {  // Gram-Schmidt over the first 4 columns
    std::vector<std::vector<double>> basis;
    for (uint64_t i = 0; i < 4; ++i) {
      auto v = outside(as_double(key(sp, i)), basis);
      const double n = norm(v);
      for (double& x : v) x /= n;
      basis.push_back(v);
    }
    return basis;
  };
  auto residual = [&](std::span<const float> v, const auto& basis) { return norm(outside(as_double(v), basis)); };
  const auto basis = basis_of(p), uniform_basis = basis_of(uniform);
  for (uint64_t i = 4; i < p.n; i += 7) {
    auto k = key(p, i);
    EXPECT_NEAR(dot(k, k), 1.0f, 1e-5f);
    EXPECT_EQ(k, key(p, i));
    EXPECT_LT(residual(k, basis), 1e-4) << i;
    EXPECT_GT(residual(key(uniform, i), uniform_basis), 0.3) << i;
  }
  for (uint64_t q = 0; q < 10; ++q) {
    auto x = decode_floats(synthetic_query(p, q), p.d);
    ASSERT_TRUE(x);
    EXPECT_LT(residual(*x, basis), 1e-4) << q;
    EXPECT_EQ(synthetic_query(p, q), synthetic_query(p, q));
  }
  EXPECT_NE(synthetic_query(p, 1), synthetic_query(p, 2));
  SyntheticParams wider = p;
  wider.latent = 5;
  EXPECT_NE(key(p, 0), key(wider, 0));
}

}  // namespace
}  // namespace ghost::ml
