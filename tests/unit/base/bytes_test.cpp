// Hex encoding and little-endian integers (base/bytes.h).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "base/bytes.h"

namespace ghost {
namespace {

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

TEST(Hex, RoundTripsRandomBytes) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    Bytes b = random_bytes(rng, rng() % 100);
    std::string h = to_hex(b);
    ASSERT_EQ(h.size(), 2 * b.size());
    auto back = from_hex(h);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, b);
  }
}

TEST(Hex, EncodesLowercase) {
  EXPECT_EQ(to_hex(Bytes{0x00, 0x0a, 0xff, 0x9B}), "000aff9b");
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Hex, DecodesEitherCase) {
  EXPECT_EQ(*from_hex("DEADbeef"), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(*from_hex(""), Bytes{});
}

TEST(Hex, RejectsOddLength) {
  auto r = from_hex("abc");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("odd length"), std::string::npos);
}

TEST(Hex, RejectsNonHexDigitsAndNamesThePosition) {
  for (std::string bad : std::initializer_list<std::string>{"0g", "g0", "zz", "0x", " 0", "00-0", std::string("0\0", 2)}) {
    auto r = from_hex(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find("invalid hex digit"), std::string::npos);
  }
  EXPECT_NE(from_hex("00-0").error().message.find("position 2"), std::string::npos);
}

TEST(LittleEndian, RoundTripsAndHasFixedByteOrder) {
  Bytes out;
  put_u64le(out, 0x0102030405060708ull);
  EXPECT_EQ(out, (Bytes{8, 7, 6, 5, 4, 3, 2, 1}));
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100; ++i) {
    uint64_t v = rng();
    uint8_t buf[8];
    put_u64le(buf, v);
    EXPECT_EQ(get_u64le(buf), v);
  }
}


}  // namespace
}  // namespace ghost
