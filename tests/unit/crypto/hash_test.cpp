// SHA-256 and Hash32 (crypto/hash.h).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace ghost {
namespace {

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// FIPS 180-2 / NIST CSRC example vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256("").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256(std::string(1000000, 'a')).hex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShotForEverySplit) {
  std::mt19937_64 rng(3);
  Bytes msg = random_bytes(rng, 300);
  Hash32 expected = sha256(msg);
  Sha256 h;  // reused across messages: final() must reset it
  for (size_t a = 0; a <= msg.size(); a += 17) {
    for (size_t b = a; b <= msg.size(); b += 29) {
      h.update(ByteSpan(msg).first(a)).update(ByteSpan(msg).subspan(a, b - a)).update(ByteSpan(msg).subspan(b));
      ASSERT_EQ(h.final(), expected) << a << "," << b;
    }
  }
}

TEST(Sha256, DistinctInputsGiveDistinctHashes) {
  EXPECT_NE(sha256("abc"), sha256("abd"));
  EXPECT_NE(sha256(""), sha256(std::string(1, '\0')));
}

TEST(Hash32, HexRoundTripAndErrors) {
  Hash32 h = sha256("abc");
  EXPECT_EQ(*Hash32::from_hex(h.hex()), h);
  EXPECT_FALSE(Hash32::from_hex(h.hex().substr(2)).has_value());
  EXPECT_FALSE(Hash32::from_hex(h.hex() + "00").has_value());
  std::string bad = h.hex();
  bad[10] = 'x';
  EXPECT_FALSE(Hash32::from_hex(bad).has_value());
}

TEST(Hash32, ZeroAndSpan) {
  EXPECT_TRUE(Hash32{}.is_zero());
  EXPECT_FALSE(sha256("abc").is_zero());
  EXPECT_THROW(Hash32::from_span(Bytes(31)), std::invalid_argument);
  Hash32 h = sha256("x");
  EXPECT_EQ(Hash32::from_span(h.span()), h);
}

}  // namespace
}  // namespace ghost
