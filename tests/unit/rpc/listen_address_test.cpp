// Config::listen parsing (node/rpc/listen_address.h).
#include <gtest/gtest.h>

#include "node/rpc/listen_address.h"

namespace ghost::rpc {
namespace {

TEST(ListenAddress, Ipv4Ipv6AndLocalhost) {
  auto a = parse_listen("127.0.0.1:26657");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->address().to_string(), "127.0.0.1");
  EXPECT_EQ(a->port(), 26657);
  auto b = parse_listen("[::1]:0");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->address().is_v6());
  EXPECT_EQ(b->port(), 0);
  auto c = parse_listen("localhost:80");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->address().to_string(), "127.0.0.1");
  auto d = parse_listen("0.0.0.0:65535");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port(), 65535);
}

TEST(ListenAddress, MalformedIsInvalid) {
  for (const char* bad : {"", "127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8x",
                          "example.com:80", "::1:80", "[127.0.0.1]:80", "[::1:80"}) {
    auto r = parse_listen(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalid) << bad;
  }
}

}  // namespace
}  // namespace ghost::rpc
