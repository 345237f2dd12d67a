// WebSocket /subscribe over real sockets: topics, bad messages, a subscriber that falls
// behind, publishers on many threads, and stop().
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "tests/unit/rpc/test_client.h"
#include "tests/unit/rpc/test_server.h"

namespace ghost::rpc::test {
namespace {

std::string subscribe(const std::vector<std::string>& topics) {
  boost::json::array list;
  for (const auto& t : topics) list.emplace_back(t);
  return boost::json::serialize(boost::json::object{{"subscribe", std::move(list)}});
}

std::string error_code_of(const std::optional<std::string>& message) {
  boost::system::error_code ec;
  auto v = boost::json::parse(message.value_or(""), ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("code").as_string());
}

// A subscriber connected and acknowledged for `topics`.
std::unique_ptr<WsClient> subscriber(uint16_t port, const std::vector<std::string>& topics, int receive_buffer = 0) {
  auto c = std::make_unique<WsClient>(port, "/subscribe", receive_buffer);
  if (!c->connected() || !c->send(subscribe(topics)) || !c->read()) return nullptr;
  return c;
}

TEST(RpcSubscribe, EventsReachTheSubscribersOfTheirTopic) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  WsClient a(s.port());
  ASSERT_TRUE(a.connected());
  ASSERT_TRUE(a.send(subscribe({"blocks", "account:gc1a"})));
  EXPECT_EQ(a.read(), R"({"subscribed":["account:gc1a","blocks"]})");
  auto b = subscriber(s.port(), {"job:ff"});
  ASSERT_TRUE(b);
  EXPECT_EQ(s.gauge("ghost_rpc_subscribers"), 2);

  s.server.publish("job:ff", R"({"result":"00"})");
  s.server.publish("blocks", R"({"height":7})");
  s.server.publish("account:gc1a", "[1,2]");
  s.server.publish("nobody", "{}");
  EXPECT_EQ(a.read(), R"({"topic":"blocks","data":{"height":7}})");  // not job:ff's event
  EXPECT_EQ(a.read(), R"({"topic":"account:gc1a","data":[1,2]})");
  EXPECT_EQ(b->read(), R"({"topic":"job:ff","data":{"result":"00"}})");
}

TEST(RpcSubscribe, LaterMessagesAddTopics) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  auto a = subscriber(s.port(), {"blocks"});
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send(subscribe({"txs", "blocks"})));
  EXPECT_EQ(a->read(), R"({"subscribed":["blocks","txs"]})");
  s.server.publish("txs", "1");
  EXPECT_EQ(a->read(), R"({"topic":"txs","data":1})");
}

TEST(RpcSubscribe, BadMessagesGetAnErrorAndTheConnectionStays) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  WsClient a(s.port());
  ASSERT_TRUE(a.connected());
  for (const char* bad : {"nope", R"({"subscribe":"blocks"})", R"({"subscribe":[]})", R"({"subscribe":["a b"]})"}) {
    ASSERT_TRUE(a.send(bad));
    EXPECT_EQ(error_code_of(a.read()), "bad_request") << bad;
  }
  ASSERT_TRUE(a.send(subscribe({"blocks"})));
  EXPECT_EQ(a.read(), R"({"subscribed":["blocks"]})");
  s.server.publish("blocks", "{}");
  EXPECT_EQ(a.read(), R"({"topic":"blocks","data":{}})");
}

TEST(RpcSubscribe, RepeatedBadMessagesCloseTheConnection) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  WsClient a(s.port());
  ASSERT_TRUE(a.connected());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.send("nope"));
    EXPECT_EQ(error_code_of(a.read()), "bad_request") << i;
  }
  EXPECT_TRUE(a.closed_by_server(3s));
  EXPECT_EQ(s.rejected("abuse"), 1u);
  EXPECT_TRUE(eventually([&] { return s.gauge("ghost_rpc_subscribers") == 0; }));
}

TEST(RpcSubscribe, TopicsPerConnectionAreBounded) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  std::vector<std::string> topics;
  for (int i = 0; i < 64; ++i) topics.push_back(std::to_string(i) + ":account");
  auto a = subscriber(s.port(), topics);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send(subscribe({"0:account", "blocks"})));
  EXPECT_EQ(error_code_of(a->read()), "too_many_topics");
  s.server.publish("blocks", "{}");
  s.server.publish("63:account", "{}");
  EXPECT_EQ(a->read(), R"({"topic":"63:account","data":{}})");
}

TEST(RpcSubscribe, OnlyAWebSocketUpgradeOnSubscribe) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  auto plain = HttpClient(s.port()).get("/subscribe");
  EXPECT_EQ(plain.status, 426u);
  EXPECT_EQ(plain.headers["upgrade"], "websocket");
  EXPECT_FALSE(WsClient(s.port(), "/elsewhere").connected());
  EXPECT_TRUE(WsClient(s.port(), "/subscribe?x=1").connected());
}

TEST(RpcSubscribe, ASlowSubscriberIsDroppedWithBoundedMemoryWhileOthersReceive) {
  Config config;
  config.subscriber_queue_bytes = 256 << 10;
  TestServer s(config);
  ASSERT_EQ(s.start(), "");
  auto slow = subscriber(s.port(), {"blocks"}, 4096);  // never reads again
  auto fast = subscriber(s.port(), {"blocks"});
  ASSERT_TRUE(slow && fast);

  const std::string pad(64 << 10, 'x');
  auto event = [&](int i) { return R"({"i":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}"; };
  // Publishes event i and checks that the fast subscriber receives it (compared, not printed: 64 KiB).
  auto delivered = [&](int i) {
    s.server.publish("blocks", event(i));
    return fast->read() == R"({"topic":"blocks","data":)" + event(i) + "}";
  };
  double peak = 0;
  int published = 0;
  // Kernel buffers hold a few MiB before the queue grows; 4,000 events of 64 KiB are far more.
  for (; published < 4000 && s.rejected("slow_subscriber") == 0; ++published) {
    ASSERT_TRUE(delivered(published)) << published;
    peak = std::max(peak, s.gauge("ghost_rpc_subscriber_queued_bytes"));
  }
  EXPECT_EQ(s.rejected("slow_subscriber"), 1u) << published << " events published";
  EXPECT_LE(peak, double(config.subscriber_queue_bytes + event(0).size() + 1024));
  EXPECT_TRUE(eventually([&] { return s.gauge("ghost_rpc_subscribers") == 1; }));
  EXPECT_TRUE(slow->closed_by_server(10s));

  for (int i = 0; i < 10; ++i) EXPECT_TRUE(delivered(published + i)) << i;
  EXPECT_EQ(s.rejected("slow_subscriber"), 1u);
  EXPECT_TRUE(eventually([&] { return s.gauge("ghost_rpc_subscriber_queued_bytes") == 0; }));
}

TEST(RpcSubscribe, PublishFromManyThreadsAtOnce) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  auto only_a = subscriber(s.port(), {"a"});
  auto both = subscriber(s.port(), {"a", "b"});
  ASSERT_TRUE(only_a && both);
  constexpr int kThreads = 4, kEach = 250;
  std::vector<std::thread> publishers;
  for (int t = 0; t < kThreads; ++t)
    publishers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        s.server.publish(i % 2 ? "b" : "a", R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}");
    });
  for (auto& p : publishers) p.join();

  // Every event once, each publisher's in its order.
  auto check = [&](WsClient& c, int expected) {
    std::map<int64_t, int64_t> last;
    for (int n = 0; n < expected; ++n) {
      auto m = c.read();
      ASSERT_TRUE(m) << n;
      auto v = boost::json::parse(*m);
      const auto t = v.at("data").at("t").as_int64(), i = v.at("data").at("i").as_int64();
      EXPECT_EQ(v.at("topic").as_string(), i % 2 ? "b" : "a");
      EXPECT_TRUE(!last.contains(t) || last[t] < i);
      last[t] = i;
    }
  };
  check(*only_a, kThreads * kEach / 2);
  check(*both, kThreads * kEach);
  s.server.publish("a", "\"end\"");  // nothing else was queued before it
  EXPECT_EQ(only_a->read(), R"({"topic":"a","data":"end"})");
  EXPECT_EQ(both->read(), R"({"topic":"a","data":"end"})");
}

TEST(RpcSubscribe, SubscribersCountAgainstTheConnectionCap) {
  Config config;
  config.max_connections = 2;
  TestServer s(config);
  ASSERT_EQ(s.start(), "");
  auto a = subscriber(s.port(), {"blocks"});
  auto b = subscriber(s.port(), {"blocks"});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(s.gauge("ghost_rpc_connections"), 2);
  EXPECT_FALSE(WsClient(s.port()).connected());
  EXPECT_EQ(s.rejected("connections"), 1u);
}

TEST(RpcSubscribe, StopClosesEverythingAndIsIdempotent) {
  TestServer s;
  ASSERT_EQ(s.start(), "");
  auto a = subscriber(s.port(), {"blocks"});
  ASSERT_TRUE(a);
  HttpClient http(s.port());
  ASSERT_EQ(http.get("/nope").status, 404u);
  const uint16_t port = s.port();

  s.server.stop();
  s.server.stop();
  EXPECT_TRUE(a->closed_by_server(3s));
  EXPECT_TRUE(http.closed_by_server(3s));
  EXPECT_TRUE(eventually([&] { return s.gauge("ghost_rpc_connections") == 0; }));
  EXPECT_EQ(s.gauge("ghost_rpc_subscribers"), 0);
  s.server.publish("blocks", "{}");  // nobody left: nothing happens
  EXPECT_FALSE(HttpClient(port).connected());
  EXPECT_EQ(s.port(), port);
}

}  // namespace
}  // namespace ghost::rpc::test
