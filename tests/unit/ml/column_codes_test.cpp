#include "ml/column_codes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ml/canonical.h"

namespace ghost::ml {
namespace {

std::vector<float> random_unit(std::mt19937& rng, uint32_t d) {
  std::normal_distribution<float> g;
  std::vector<float> v(d);
  for (float& x : v) x = g(rng);
  EXPECT_TRUE(normalize(v));
  return v;
}

std::vector<uint8_t> code_of(std::span<const float> v) {
  std::vector<uint8_t> c(code_bytes(uint32_t(v.size())));
  encode_column(v, c.data());
  return c;
}

float scale_of(const std::vector<uint8_t>& code) {
  float s;
  std::memcpy(&s, code.data() + code.size() - sizeof s, sizeof s);
  return s;
}

TEST(ColumnCodes, LayoutIsPaddedCodesThenScale) {
  EXPECT_EQ(code_bytes(1), 64u + 4);
  EXPECT_EQ(code_bytes(64), 64u + 4);
  EXPECT_EQ(code_bytes(65), 128u + 4);
  EXPECT_EQ(code_bytes(784), 832u + 4);
  std::vector<float> v = {0.4f, -1.0f, 0.25f};
  auto c = code_of(v);
  EXPECT_FLOAT_EQ(scale_of(c), 1.0f / 127.0f);
  EXPECT_EQ(int8_t(c[0]), 51);  // 50.8
  EXPECT_EQ(int8_t(c[1]), -127);
  EXPECT_EQ(int8_t(c[2]), 32);  // 31.75
  for (size_t j = 3; j < 64; ++j) EXPECT_EQ(c[j], 0) << j;
  // A zero column has the zero code (and a harmless scale), never NaN.
  auto z = code_of(std::vector<float>(10, 0.0f));
  EXPECT_EQ(scale_of(z), 1.0f);
  const size_t n = 64;
  EXPECT_EQ(code_distance()(z.data(), z.data(), &n), 1.0f);
  // Non-finite elements (never in a checked column, but the index must not misbehave):
  // NaN codes to 0, infinities to the extremes, and the scale comes from the finite ones.
  auto odd = code_of(std::vector<float>{NAN, INFINITY, -INFINITY, 0.5f});
  EXPECT_EQ(int8_t(odd[0]), 0);
  EXPECT_EQ(int8_t(odd[1]), 127);
  EXPECT_EQ(int8_t(odd[2]), -127);
  EXPECT_EQ(int8_t(odd[3]), 127);
  EXPECT_FLOAT_EQ(scale_of(odd), 0.5f / 127.0f);
}

// Every kernel this CPU runs returns exactly what the scalar reference returns, on random
// codes of many lengths and on the extreme codes.
TEST(ColumnCodes, EveryKernelAgreesWithTheScalarOne) {
  auto kernels = code_distance_kernels();
  ASSERT_GE(kernels.size(), 1u);
  const CodeDistance scalar = kernels.back();
  std::mt19937 rng(5);
  for (uint32_t d : {1u, 7u, 31u, 63u, 64u, 65u, 128u, 200u, 784u, 1000u}) {
    const size_t n = code_bytes(d) - sizeof(float);
    for (int trial = 0; trial < 20; ++trial) {
      auto a = code_of(random_unit(rng, d)), b = code_of(random_unit(rng, d));
      for (auto k : kernels) EXPECT_EQ(k(a.data(), b.data(), &n), scalar(a.data(), b.data(), &n)) << d;
    }
    std::vector<float> hi(d, 1.0f), lo(d, -1.0f);
    auto a = code_of(hi), b = code_of(lo);
    for (auto k : kernels) {
      EXPECT_EQ(k(a.data(), b.data(), &n), scalar(a.data(), b.data(), &n)) << d;
      EXPECT_EQ(k(a.data(), a.data(), &n), scalar(a.data(), a.data(), &n)) << d;
    }
  }
}

// The code distance tracks 1 - <a, b> closely enough to rank candidates.
TEST(ColumnCodes, DistanceApproximatesTheInnerProduct) {
  std::mt19937 rng(6);
  for (uint32_t d : {16u, 128u, 784u}) {
    const size_t n = code_bytes(d) - sizeof(float);
    double worst = 0;
    for (int trial = 0; trial < 200; ++trial) {
      auto x = random_unit(rng, d), y = random_unit(rng, d);
      const float exact = 1.0f - dot(x, y);
      auto a = code_of(x), b = code_of(y);
      worst = std::max(worst, double(std::fabs(code_distance()(a.data(), b.data(), &n) - exact)));
    }
    EXPECT_LT(worst, 0.02) << d;
  }
}

}  // namespace
}  // namespace ghost::ml
