// Request targets (node/rpc/target.h): decoding, and every malformed form refused.
#include <gtest/gtest.h>

#include "node/rpc/target.h"

namespace ghost::rpc {
namespace {

using Query = std::map<std::string, std::string>;

TEST(Target, PathAndQueryAreDecoded) {
  auto t = parse_target("/accounts/gc1%41b?mode=commit&note=a%20b+c&flag&empty=");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->path, "/accounts/gc1Ab");
  EXPECT_EQ(t->query, (Query{{"mode", "commit"}, {"note", "a b c"}, {"flag", ""}, {"empty", ""}}));
}

TEST(Target, PlusIsASpaceInTheQueryOnly) {
  auto t = parse_target("/a+b?x=a+b&%2B=%2b");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a+b");
  EXPECT_EQ(t->query, (Query{{"x", "a b"}, {"+", "+"}}));
}

TEST(Target, EscapedSlashAndUtf8AreDecoded) {
  auto t = parse_target("/a%2Fb?k=%e2%82%AC");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a/b");
  EXPECT_EQ(t->query, (Query{{"k", "\xe2\x82\xac"}}));
}

TEST(Target, EmptyPairsAreSkipped) {
  auto t = parse_target("/s?&a=1&&b=2&");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->query, (Query{{"a", "1"}, {"b", "2"}}));
  auto bare = parse_target("/s?");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/s");
  EXPECT_TRUE(bare->query.empty());
}

TEST(Target, MalformedEscapesAreRefused) {
  for (const char* bad : {"/a%", "/a%4", "/a%zz", "/a%4g", "/a%g4", "/s?x=%", "/s?x=%2", "/s?%G1=1", "/s?a=1%"}) {
    auto t = parse_target(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, Errc::kInvalid) << bad;
  }
}

TEST(Target, OtherFormsEmptyAndRepeatedKeysAndControlCharactersAreRefused) {
  for (const char* bad : {"", "status", "http://host/status", "*", "/s?=1", "/s?=", "/s?a=1&a=2", "/s?a=1&%61=2",
                          "/a%00b", "/a%0Ab", "/a%7f"})
    EXPECT_FALSE(parse_target(bad)) << bad;
}

}  // namespace
}  // namespace ghost::rpc
