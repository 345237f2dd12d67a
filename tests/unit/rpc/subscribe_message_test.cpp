// Subscribe messages (node/rpc/subscribe_message.h): the one accepted shape and its limits.
#include <gtest/gtest.h>

#include "node/rpc/subscribe_message.h"

namespace ghost::rpc {
namespace {

using Topics = std::vector<std::string>;

std::string message(const Topics& topics) {
  std::string out = R"({"subscribe":[)";
  for (size_t i = 0; i < topics.size(); ++i) out.append(i ? ",\"" : "\"").append(topics[i]).append("\"");
  return out + "]}";
}

TEST(SubscribeMessage, TopicsInOrderWithoutRepeats) {
  auto t = parse_subscribe(R"( {"subscribe": ["blocks", "account:gc1qq", "blocks", "job:00ff"]} )");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(*t, (Topics{"blocks", "account:gc1qq", "job:00ff"}));
}

TEST(SubscribeMessage, OtherShapesAreRefused) {
  for (const char* bad : {"", "nope", "[]", "{}", R"({"subscribe":"blocks"})", R"({"subscribe":[]})",
                          R"({"subscribe":[1]})", R"({"subscribe":[""]})", R"({"subscribe":["a b"]})",
                          R"({"subscribe":["a\"b"]})", R"({"subscribe":["blocks"],"extra":1})",
                          R"({"Subscribe":["blocks"]})", R"({"subscribe":["blocks"]} trailing)",
                          R"({"subscribe":[["blocks"]]})", R"({"subscribe":null})"}) {
    auto t = parse_subscribe(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, Errc::kInvalid) << bad;
  }
}

TEST(SubscribeMessage, TopicCountAndLengthLimits) {
  Topics many;
  for (size_t i = 0; i < kMaxTopics; ++i) many.push_back(std::to_string(i) + "t");
  EXPECT_TRUE(parse_subscribe(message(many)));
  many.push_back("one-more");
  EXPECT_FALSE(parse_subscribe(message(many)));

  EXPECT_TRUE(parse_subscribe(message({std::string(kMaxTopicBytes, 'a')})));
  EXPECT_FALSE(parse_subscribe(message({std::string(kMaxTopicBytes + 1, 'a')})));
}

TEST(SubscribeMessage, ValidTopicCharacters) {
  EXPECT_TRUE(valid_topic("account:gc1ABC.x_y-z09"));
  for (const char* bad : {"", "a b", "a/b", "a\nb", "ä", "a\"", "a{"}) EXPECT_FALSE(valid_topic(bad)) << bad;
}

}  // namespace
}  // namespace ghost::rpc
