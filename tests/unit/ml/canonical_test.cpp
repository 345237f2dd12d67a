#include "ml/canonical.h"

#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>

#include "base/bytes.h"

namespace ghost::ml {
namespace {

std::vector<float> random_floats(std::mt19937_64& rng, size_t n, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }

TEST(CanonicalDot, ScalarDefinitionOnSmallExample) {
  // With 9 elements element 8 joins lane 0 after element 0: lane0 = 1*1 + 9*9.
  std::vector<float> a{1, 2, 3, 4, 5, 6, 7, 8, 9}, b = a;
  float l[8] = {1 + 81.0f, 4, 9, 16, 25, 36, 49, 64};
  float expect = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
  EXPECT_EQ(bits(dot_scalar(a, b)), bits(expect));
  EXPECT_EQ(bits(dot_scalar({}, {})), bits(0.0f));
}

TEST(CanonicalDot, LaneOrderIsObservable) {
  // A value that is absorbed in one summation order and not in another: proves the test
  // above could fail if lanes were summed differently.
  std::vector<float> a(16, 0.0f), b(16, 1.0f);
  a[0] = 1e8f;
  a[8] = -1e8f;
  a[1] = 1.0f;
  EXPECT_EQ(dot_scalar(a, b), 1.0f);  // lane 0 cancels exactly before meeting lane 1
}

TEST(CanonicalDot, SimdIsBitIdenticalToScalarOnEveryLength) {
  if (!simd_available()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 1000; ++n) {
    for (float scale : {1.0f, 1e-3f, 1e4f}) {
      auto a = random_floats(rng, n, scale), b = random_floats(rng, n, scale);
      ASSERT_EQ(bits(dot_simd(a, b)), bits(dot_scalar(a, b))) << "n=" << n << " scale=" << scale;
    }
  }
}

TEST(CanonicalDot, SimdAgreesOnSpecialValues) {
  if (!simd_available()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937_64 rng(11);
  const float specials[] = {0.0f, -0.0f, 1e-40f, -1e-40f, 3e38f, -3e38f, INFINITY, 1.0f};
  for (int t = 0; t < 2000; ++t) {
    size_t n = rng() % 40;
    std::vector<float> a(n), b(n);
    for (size_t j = 0; j < n; ++j) {
      a[j] = specials[rng() % 8];
      b[j] = specials[rng() % 8];
    }
    float s = dot_scalar(a, b), v = dot_simd(a, b);
    if (std::isnan(s)) ASSERT_TRUE(std::isnan(v));
    else ASSERT_EQ(bits(s), bits(v));
  }
}

TEST(CanonicalDot, ConformanceVectors) {
  std::ifstream in(std::string(GHOST_VECTORS_DIR) + "/dot.json");
  ASSERT_TRUE(in) << "missing " << GHOST_VECTORS_DIR << "/dot.json";
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = boost::json::parse(ss.str());
  auto& cases = doc.at("cases").as_array();
  ASSERT_GT(cases.size(), 0u);
  auto floats = [](const boost::json::value& v) {
    auto b = from_hex(std::string(v.as_string()));
    EXPECT_TRUE(b.has_value());
    auto f = decode_floats(*b, b->size() / 4);
    EXPECT_TRUE(f.has_value());
    return *f;
  };
  for (auto& c : cases) {
    auto a = floats(c.at("a_f32le_hex")), b = floats(c.at("b_f32le_hex")), want = floats(c.at("dot_f32le_hex"));
    ASSERT_EQ(want.size(), 1u);
    EXPECT_EQ(bits(dot_scalar(a, b)), bits(want[0])) << "n=" << a.size();
    EXPECT_EQ(bits(dot(a, b)), bits(want[0])) << "n=" << a.size();
  }
}

TEST(CanonicalDot, ColumnsAreBitIdenticalToSingleDots) {
  std::mt19937_64 rng(13);
  for (size_t d : {1u, 7u, 8u, 9u, 64u, 784u, 1001u}) {
    for (size_t count : {0u, 1u, 3u, 4u, 5u, 13u}) {
      auto q = random_floats(rng, d, 1.0f), cols = random_floats(rng, d * count, 2.0f);
      std::vector<float> out(count + 1, 42.0f);
      dot_columns(q, cols.data(), count, out.data());
      for (size_t c = 0; c < count; ++c)
        ASSERT_EQ(bits(out[c]), bits(dot_scalar(q, {cols.data() + c * d, d}))) << d << " " << count << " " << c;
      EXPECT_EQ(out[count], 42.0f);  // writes exactly `count` results
    }
  }
}

TEST(CanonicalDot, DifferentLengthsThrow) {
  std::vector<float> a(3), b(4);
  EXPECT_THROW(dot(a, b), std::invalid_argument);
}

// Frozen outputs of exp_f32: changing any of these is a protocol change.
TEST(CanonicalExp, GoldenVectors) {
  const std::pair<uint32_t, uint32_t> golden[] = {
      {0x00000000u, 0x3f800000u},  // exp(0) = 1
      {0x80000000u, 0x3f800000u},  // exp(-0) = 1
      {0x3f800000u, 0x402df854u},  // exp(1)
      {0xbf800000u, 0x3ebc5ab2u},  // exp(-1)
      {0x3f000000u, 0x3fd3094cu},  // exp(0.5)
      {0xbf000000u, 0x3f1b4598u},  // exp(-0.5)
      {0x3eb17218u, 0x3fb504f3u},  // exp(ln2/2)
      {0xbeb17218u, 0x3f3504f3u},  // exp(-ln2/2)
      {0x40000000u, 0x40ec7326u},  // exp(2)
      {0x41200000u, 0x46ac14eeu},  // exp(10)
      {0xc1200000u, 0x383e6bceu},  // exp(-10)
      {0xc1a00000u, 0x310da433u},  // exp(-20)
      {0xc21ff5c3u, 0x229e4fc3u},  // exp(-39.99)
      {0x41a00000u, 0x4de75844u},  // exp(20)
      {0x42b00000u, 0x7ef882b7u},  // exp(88)
      {0x42b170a4u, 0x7f7f4648u},  // exp(88.72)
      {0xc2ae0000u, 0x00b33687u},  // exp(-87)
      {0xc2c80000u, 0x0000001bu},  // exp(-100), subnormal
      {0xc2cfcccdu, 0x00000001u},  // exp(-103.9), least subnormal
      {0x322bcc77u, 0x3f800000u},  // exp(1e-8)
      {0xb22bcc77u, 0x3f800000u},  // exp(-1e-8)
      {0x40490fdbu, 0x41b92024u},  // exp(pi), one ulp under the true value
      {0xc02df854u, 0x3d8724bdu},  // exp(-e)
      {0x3dcccccdu, 0x3f8d763eu},  // exp(0.1)
      {0xbdcccccdu, 0x3f67a36du},  // exp(-0.1)
      {0x3f317218u, 0x40000000u},  // exp(ln2) = 2
      {0x424a0000u, 0x63e7b299u},  // exp(50.5)
      {0xc2828000u, 0x1068fe72u},  // exp(-65.25)
  };
  for (auto [x, y] : golden)
    EXPECT_EQ(bits(exp_f32(std::bit_cast<float>(x))), y) << std::hex << "x=0x" << x;
}

TEST(CanonicalExp, Limits) {
  EXPECT_EQ(exp_f32(89.0f), INFINITY);
  EXPECT_EQ(exp_f32(INFINITY), INFINITY);
  EXPECT_EQ(bits(exp_f32(-104.0f)), 0u);
  EXPECT_EQ(bits(exp_f32(-1e30f)), 0u);
  EXPECT_EQ(bits(exp_f32(-INFINITY)), 0u);
  EXPECT_TRUE(std::isnan(exp_f32(NAN)));
}

// Accuracy only (the protocol is the bits above): within 2 ulp of libm over the useful range.
TEST(CanonicalExp, CloseToLibm) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-87.0f, 88.0f);
  int worst = 0;
  for (int t = 0; t < 200000; ++t) {
    float x = t < 100000 ? u(rng) : std::uniform_real_distribution<float>(-45.0f, 0.0f)(rng);
    float want = float(std::exp(double(x)));
    int ulp = std::abs(int32_t(bits(exp_f32(x))) - int32_t(bits(want)));
    worst = std::max(worst, ulp);
  }
  EXPECT_LE(worst, 2);
}

TEST(CanonicalNormalize, UnitNormAndDivision) {
  std::vector<float> v{3, 4};
  ASSERT_TRUE(normalize(v));
  EXPECT_EQ(v[0], 3.0f / 5.0f);
  EXPECT_EQ(v[1], 4.0f / 5.0f);
  std::mt19937_64 rng(5);
  for (int t = 0; t < 100; ++t) {
    auto w = random_floats(rng, 1 + rng() % 900, 10.0f);
    auto copy = w;
    ASSERT_TRUE(normalize(w));
    float norm = std::sqrt(dot(copy, copy));
    for (size_t j = 0; j < w.size(); ++j) ASSERT_EQ(bits(w[j]), bits(copy[j] / norm));
    EXPECT_NEAR(dot(w, w), 1.0f, 1e-5f);
  }
}

TEST(CanonicalNormalize, RejectsZeroNonFiniteEmptyAndLeavesInputAlone) {
  std::vector<float> zero(5, 0.0f), tiny(5, 1e-30f), inf{1, INFINITY}, nan{NAN, 1}, huge(4, 3e38f);
  for (auto* v : {&zero, &tiny, &inf, &nan, &huge}) {
    auto before = *v;
    auto r = normalize(*v);
    ASSERT_FALSE(r);
    EXPECT_FALSE(r.error().message.empty());
    for (size_t j = 0; j < v->size(); ++j) EXPECT_EQ(bits((*v)[j]), bits(before[j]));
  }
  std::vector<float> empty;
  EXPECT_FALSE(normalize(empty));
}

TEST(CanonicalSoftmax, SumsToOneAndUsesCanonicalExp) {
  std::vector<float> s{0.9f, 0.5f, 0.95f, 0.1f};
  auto p = softmax(s, 20.0f);
  ASSERT_EQ(p.size(), 4u);
  float e[4], z = 0;
  for (int i = 0; i < 4; ++i) {
    e[i] = exp_f32(20.0f * (s[i] - 0.95f));
    z = z + e[i];
  }
  for (int i = 0; i < 4; ++i) EXPECT_EQ(bits(p[i]), bits(e[i] / z));
  EXPECT_GT(p[2], p[0]);
  EXPECT_NEAR(sum(p), 1.0f, 1e-6f);
  EXPECT_TRUE(softmax({}, 1.0f).empty());
}

TEST(CanonicalFloats, EncodeDecodeRoundTripAndLengthErrors) {
  std::vector<float> v{1.0f, -2.5f, 0.0f};
  Bytes b = encode_floats(v);
  EXPECT_EQ(to_hex(b), "0000803f000020c000000000");
  auto back = decode_floats(b, 3);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
  EXPECT_FALSE(decode_floats(b, 2));
  EXPECT_FALSE(decode_floats(ByteSpan(b).first(11), 3));
}

}  // namespace
}  // namespace ghost::ml
