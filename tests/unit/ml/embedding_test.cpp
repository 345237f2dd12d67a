#include "ml/embedding.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ml/canonical.h"

namespace ghost::ml {
namespace {

TEST(Embedding, IndexEncodingRoundTripsAndRejectsMalformedInput) {
  EmbeddingSpec spec{100, 4};
  auto i = decode_index(encode_index(42), spec);
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, 42u);
  EXPECT_FALSE(decode_index(encode_index(100), spec));
  EXPECT_FALSE(decode_index(encode_index(~0ull), spec));
  EXPECT_FALSE(decode_index(Bytes(7, 0), spec));
  EXPECT_FALSE(decode_index(Bytes(9, 0), spec));
  EXPECT_FALSE(decode_index(Bytes{}, spec));
}

TEST(Embedding, ForwardIsTheRowAndTrainingMovesItTowardTheTarget) {
  EmbeddingSpec spec{10, 3};
  std::vector<float> row{1.0f, -2.0f, 0.5f}, target{0.0f, 0.0f, 1.0f};
  auto out = embedding_forward(spec, row);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, row);
  auto next = embedding_train(spec, row, target, 0.25f);
  ASSERT_TRUE(next);
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ((*next)[j], row[j] - 0.25f * (row[j] - target[j]));
    EXPECT_LT(std::abs((*next)[j] - target[j]), std::abs(row[j] - target[j]));
  }
}

TEST(Embedding, RejectsBadShapesTargetsAndRates) {
  EmbeddingSpec spec{10, 3};
  std::vector<float> row{1, 2, 3}, t{0, 0, 0};
  EXPECT_FALSE(validate(EmbeddingSpec{0, 3}));
  EXPECT_FALSE(validate(EmbeddingSpec{3, 0}));
  EXPECT_FALSE(embedding_forward(spec, std::vector<float>{1, 2}));
  EXPECT_FALSE(embedding_forward(spec, std::vector<float>{1, NAN, 2}));
  EXPECT_FALSE(embedding_train(spec, row, std::vector<float>{0, 0}, 0.1f));
  EXPECT_FALSE(embedding_train(spec, row, std::vector<float>{0, INFINITY, 0}, 0.1f));
  EXPECT_FALSE(embedding_train(spec, row, t, -1.0f));
  EXPECT_FALSE(embedding_train(spec, row, t, NAN));
}

}  // namespace
}  // namespace ghost::ml
