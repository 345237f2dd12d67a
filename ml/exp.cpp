// The canonical float32 exp (declared in ml/canonical.h). Only float add, multiply, floor and
// int conversion: the same bits on every IEEE-754 machine built without FMA contraction.
#include <bit>
#include <cmath>
#include <cstdint>

#include "ml/canonical.h"

namespace ghost::ml {

namespace {

constexpr float kLog2e = 1.44269504088896341f;
// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has few mantissa bits so k * kLn2Hi is exact for |k| <= 150.
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kOverflow = 88.72283935546875f;   // above: +inf
constexpr float kUnderflow = -103.97208404541016f;  // below: 0 (under half the least subnormal)

// 2^e for e in [-126, 127], built from its bits.
float pow2(int e) { return std::bit_cast<float>(uint32_t(e + 127) << 23); }

}  // namespace

float exp_f32(float x) {
  if (std::isnan(x)) return x;
  if (x > kOverflow) return INFINITY;
  if (x < kUnderflow) return 0.0f;
  // x = k ln2 + r with |r| <= ln2 / 2 (plus rounding).
  const float kf = std::floor(x * kLog2e + 0.5f);
  const float r = (x - kf * kLn2Hi) - kf * kLn2Lo;
  // Cephes expf minimax polynomial on [-ln2/2, ln2/2]: e^r = 1 + r + r^2 * P(r).
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = (p * r2 + r) + 1.0f;
  // y * 2^k in two exact-range steps: the first multiply is exact, the second rounds once
  // (into the subnormals or to inf where the true result lies there).
  const int k = int(kf);
  const int k1 = k / 2;
  return (y * pow2(k1)) * pow2(k - k1);
}

}  // namespace ghost::ml
