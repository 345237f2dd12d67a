// The Server's own contract: the error and json helpers, start() failures, misuse.
#include <gtest/gtest.h>

#include "tests/unit/rpc/test_server.h"

namespace ghost::rpc::test {
namespace {

using boost::beast::http::verb;

TEST(RpcServer, ErrorAndJsonHelpers) {
  auto e = error(404, "not_found", "no \"x\"\n");
  EXPECT_EQ(e.status, 404u);
  EXPECT_EQ(e.content_type, "application/json");
  EXPECT_EQ(e.body, R"({"error":{"code":"not_found","message":"no \"x\"\n"}})");
  auto j = json(R"({"a":1})", 201);
  EXPECT_EQ(j.status, 201u);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(j.body, R"({"a":1})");
  EXPECT_EQ(json("{}").status, 200u);
}

TEST(RpcServer, DefaultsBindLoopback) { EXPECT_TRUE(Config{}.listen.starts_with("127.0.0.1:")); }

TEST(RpcServer, ATakenPortFailsWithIo) {
  TestServer first;
  ASSERT_EQ(first.start(), "");
  metrics::Registry registry;
  boost::asio::io_context io;
  Config config;
  config.listen = "127.0.0.1:" + std::to_string(first.port());
  Server second(io, config, registry);
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kIo);
}

TEST(RpcServer, ABadListenAddressIsInvalid) {
  metrics::Registry registry;
  boost::asio::io_context io;
  Config config;
  config.listen = "nowhere";
  Server s(io, config, registry);
  auto r = s.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalid);
}

TEST(RpcServer, RoutesAfterStartAndASecondStartAreProgrammingErrors) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  EXPECT_THROW(s.server.route(verb::get, "/late", nullptr), std::logic_error);
  EXPECT_THROW(s.server.start(), std::logic_error);
  EXPECT_NE(s.port(), 0);
}

TEST(RpcServer, StopBeforeStartAndDestroyWithoutStop) {
  TestServer never;
  never.server.stop();
  TestServer running;
  ASSERT_EQ(running.start(), "");  // the destructor stops it
}

}  // namespace
}  // namespace ghost::rpc::test
