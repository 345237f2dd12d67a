#include "ml/leaf_codec.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>
#include <random>

namespace ghost::ml {
namespace {

Bytes random_leaves(std::mt19937_64& rng, size_t count, size_t floats) {
  std::normal_distribution<float> g;
  Bytes out(count * floats * 4);
  for (size_t i = 0; i < count * floats; ++i) {
    float v = rng() % 3 == 0 ? 0.0f : g(rng);
    std::memcpy(out.data() + 4 * i, &v, 4);
  }
  return out;
}

Bytes zstd(const Bytes& plain) {
  Bytes out(ZSTD_compressBound(plain.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
  return out;
}

TEST(LeafCodec, RoundTripsEveryEncodingAndShape) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    size_t count = rng() % 20, floats = 1 + rng() % 100;
    Bytes canonical = random_leaves(rng, count, floats);
    for (auto enc : {pb::LEAVES_RAW, pb::LEAVES_DELTA_ZSTD, pb::LEAVES_ZSTD}) {
      Bytes wire = encode_leaves(canonical, floats * 4, enc);
      auto back = decode_leaves(wire, enc, count, floats * 4);
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, canonical);
    }
    const EncodedLeaves best = encode_leaves(canonical, floats * 4, LeafWire::shortest());
    for (auto enc : {pb::LEAVES_RAW, pb::LEAVES_DELTA_ZSTD, pb::LEAVES_ZSTD})
      EXPECT_LE(best.bytes.size(), encode_leaves(canonical, floats * 4, enc).size());
    auto back = decode_leaves(best.bytes, best.encoding, count, floats * 4);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, canonical);
  }
}

TEST(LeafCodec, DeltaZstdShrinksSimilarLeaves) {
  std::mt19937_64 rng(8);
  Bytes base = random_leaves(rng, 1, 784);
  Bytes leaves;
  for (int i = 0; i < 16; ++i) leaves.insert(leaves.end(), base.begin(), base.end());
  Bytes wire = encode_leaves(leaves, base.size(), pb::LEAVES_DELTA_ZSTD);
  EXPECT_LT(wire.size(), leaves.size() / 8);
}

TEST(LeafCodec, ShortestPicksTheEncodingThatFitsTheData) {
  std::mt19937_64 rng(11);
  Bytes base = random_leaves(rng, 1, 784);
  Bytes same;  // equal leaves: the XOR delta is all zeros after the first
  for (int i = 0; i < 16; ++i) same.insert(same.end(), base.begin(), base.end());
  EXPECT_EQ(encode_leaves(same, base.size(), LeafWire::shortest()).encoding, pb::LEAVES_DELTA_ZSTD);
  Bytes noise(4096);  // nothing compresses
  for (auto& b : noise) b = uint8_t(rng());
  EXPECT_EQ(encode_leaves(noise, 256, LeafWire::shortest()).encoding, pb::LEAVES_RAW);
  Bytes palette;  // leaves that repeat a few values in a different order each: no use in deltas
  for (int i = 0; i < 16 * 784; ++i) {
    const float v = float(1 + rng() % 4) / 7.0f;
    palette.insert(palette.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 4);
  }
  EXPECT_EQ(encode_leaves(palette, 784 * 4, LeafWire::shortest()).encoding, pb::LEAVES_ZSTD);
}

TEST(LeafCodec, DeltaIsAgainstThePreviousLeaf) {
  // Leaf 1 equal to leaf 0 must travel as zeros: the plain zstd of [leaf0, zeros].
  std::mt19937_64 rng(9);
  Bytes leaf = random_leaves(rng, 1, 64);
  Bytes two = leaf;
  two.insert(two.end(), leaf.begin(), leaf.end());
  Bytes expect_plain = leaf;
  expect_plain.resize(2 * leaf.size(), 0);
  EXPECT_EQ(encode_leaves(two, leaf.size(), pb::LEAVES_DELTA_ZSTD), zstd(expect_plain));
}

TEST(LeafCodec, RejectsRawOfTheWrongSize) {
  Bytes raw(4 * 8 * 3);
  EXPECT_TRUE(decode_leaves(raw, pb::LEAVES_RAW, 3, 32));
  for (size_t cut : {size_t(1), size_t(4), size_t(32)}) {
    auto r = decode_leaves(ByteSpan(raw).first(raw.size() - cut), pb::LEAVES_RAW, 3, 32);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("expected 96"), std::string::npos) << r.error().message;
  }
  raw.push_back(0);
  EXPECT_FALSE(decode_leaves(raw, pb::LEAVES_RAW, 3, 32));
}

TEST(LeafCodec, RejectsAZstdBomb) {
  Bytes huge(32u << 20, 0);  // 32 MiB of zeros compress to a few KiB
  Bytes bomb = zstd(huge);
  ASSERT_LT(bomb.size(), 8192u);
  for (auto enc : {pb::LEAVES_DELTA_ZSTD, pb::LEAVES_ZSTD}) {
    auto r = decode_leaves(bomb, enc, 16, 3136);
    ASSERT_FALSE(r);
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(LeafCodec, RejectsAFrameOneByteLongOrShort) {
  for (size_t len : {size_t(97), size_t(95)})
    for (auto enc : {pb::LEAVES_DELTA_ZSTD, pb::LEAVES_ZSTD}) EXPECT_FALSE(decode_leaves(zstd(Bytes(len, 1)), enc, 3, 32)) << len;
  EXPECT_TRUE(decode_leaves(zstd(Bytes(96, 1)), pb::LEAVES_ZSTD, 3, 32));
}

TEST(LeafCodec, RejectsTruncatedCorruptAndTrailingBytes) {
  std::mt19937_64 rng(10);
  Bytes canonical = random_leaves(rng, 4, 50);
  Bytes wire = encode_leaves(canonical, 200, pb::LEAVES_DELTA_ZSTD);
  for (size_t cut = 1; cut < wire.size(); cut += 7)
    EXPECT_FALSE(decode_leaves(ByteSpan(wire).first(wire.size() - cut), pb::LEAVES_DELTA_ZSTD, 4, 200)) << cut;
  Bytes trailing = wire;
  trailing.push_back(0x42);
  EXPECT_FALSE(decode_leaves(trailing, pb::LEAVES_DELTA_ZSTD, 4, 200));
  Bytes bad_magic = wire;
  bad_magic[0] ^= 0xff;
  EXPECT_FALSE(decode_leaves(bad_magic, pb::LEAVES_DELTA_ZSTD, 4, 200));
  // Any corruption either fails or decodes to other bytes (the Merkle check catches those).
  for (size_t i = 0; i < wire.size(); ++i) {
    Bytes flipped = wire;
    flipped[i] ^= 0x10;
    auto r = decode_leaves(flipped, pb::LEAVES_DELTA_ZSTD, 4, 200);
    if (r) {
      EXPECT_EQ(r->size(), canonical.size());
    }
  }
}

TEST(LeafCodec, RejectsUnknownEncodingAndOversizedOpenings) {
  auto r = decode_leaves(Bytes(8), static_cast<pb::LeafEncoding>(7), 2, 4);
  EXPECT_FALSE(decode_leaves(Bytes(8), static_cast<pb::LeafEncoding>(-1), 2, 4));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown leaf encoding"), std::string::npos);
  auto big = decode_leaves(Bytes(8), pb::LEAVES_RAW, size_t(1) << 40, 4096);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::kTooLarge) << big.error().message;
}

}  // namespace
}  // namespace ghost::ml
