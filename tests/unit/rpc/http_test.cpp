// The HTTP side over real sockets: routing, 404/405, query parsing, keep-alive, and replies
// that come later, from another thread, after the client left or after stop().
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>

#include "tests/unit/rpc/test_client.h"
#include "tests/unit/rpc/test_server.h"

namespace ghost::rpc::test {
namespace {

using boost::beast::http::verb;

// Answers with what the handler saw, as JSON.
Handler echo(std::string name, std::atomic<int>* calls = nullptr) {
  return [name, calls](const Request& r, const std::string& param, Reply reply) {
    if (calls) ++*calls;
    boost::json::object query;
    for (const auto& [k, v] : r.query) query[k] = v;
    reply(json(boost::json::serialize(boost::json::object{{"route", name},
                                                          {"param", param},
                                                          {"path", r.path},
                                                          {"query", std::move(query)},
                                                          {"body", r.body},
                                                          {"remote", r.remote}})));
  };
}

boost::json::object body_of(const HttpResult& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return ec || !v.is_object() ? boost::json::object{} : v.as_object();
}

// The string `key` of the JSON object `r` carries ("" when there is none).
std::string field(const HttpResult& r, std::string_view key) {
  const auto body = body_of(r);
  const auto* v = body.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

std::string error_code_of(const HttpResult& r) {
  const auto body = body_of(r);
  const auto* e = body.if_contains("error");
  return e && e->is_object() && e->as_object().contains("code") ? std::string(e->as_object().at("code").as_string()) : "";
}

// A handler that keeps its Reply for the test to call.
struct Held {
  std::mutex mu;
  Reply reply;
  Handler handler() {
    return [this](const Request&, const std::string&, Reply r) {
      std::lock_guard lock(mu);
      reply = std::move(r);
    };
  }
  bool waiting() {
    std::lock_guard lock(mu);
    return reply != nullptr;
  }
  void answer(const std::string& body) {
    std::lock_guard lock(mu);
    reply(json(body));
    reply = nullptr;
  }
};

TEST(RpcHttp, RoutesExactPrefixAndLongestMatch) {
  TestServer s;
  s.server.route(verb::get, "/status", echo("status"));
  s.server.route(verb::get, "/blocks/", echo("blocks"));
  s.server.route(verb::get, "/blocks/latest", echo("latest"));
  s.server.route(verb::post, "/txs", echo("txs"));
  ASSERT_EQ(s.start(), "");
  HttpClient c(s.port());
  ASSERT_TRUE(c.connected());

  auto status = c.get("/status");
  ASSERT_EQ(status.error, "");
  EXPECT_EQ(status.status, 200u);
  EXPECT_EQ(status.headers["content-type"], "application/json");
  EXPECT_EQ(field(status, "route"), "status");
  EXPECT_EQ(field(status, "remote"), "127.0.0.1");

  auto block = c.get("/blocks/12");
  EXPECT_EQ(field(block, "route"), "blocks");
  EXPECT_EQ(field(block, "param"), "12");
  EXPECT_EQ(field(block, "path"), "/blocks/12");
  EXPECT_EQ(field(c.get("/blocks/latest"), "route"), "latest");
  EXPECT_EQ(field(c.get("/blocks/%6catest"), "route"), "latest");  // routed after decoding

  auto tx = c.request("POST", "/txs", R"({"tx":"00ff"})");
  EXPECT_EQ(field(tx, "route"), "txs");
  EXPECT_EQ(field(tx, "body"), R"({"tx":"00ff"})");
  EXPECT_EQ(s.answered("/blocks/", 200), 1u);
  EXPECT_EQ(s.answered("/txs", 200), 1u);
}

TEST(RpcHttp, UnknownPathIs404AndOtherMethod405WithAllow) {
  TestServer s;
  std::atomic<int> calls = 0;
  s.server.route(verb::post, "/txs", echo("txs", &calls));
  s.server.route(verb::get, "/txs/", echo("tx", &calls));
  ASSERT_EQ(s.start(), "");
  HttpClient c(s.port());

  auto missing = c.get("/nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(error_code_of(missing), "not_found");
  auto wrong = c.get("/txs");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.headers["allow"], "POST");
  EXPECT_EQ(error_code_of(wrong), "method_not_allowed");
  auto odd = c.request("BREW", "/txs/1");  // a method nobody registers
  EXPECT_EQ(odd.status, 405u);
  EXPECT_EQ(odd.headers["allow"], "GET");
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(s.answered("none", 404), 1u);
  EXPECT_EQ(s.answered("none", 405), 2u);
  EXPECT_EQ(c.request("POST", "/txs").status, 200u);  // the connection stayed usable
}

TEST(RpcHttp, QueryIsParsedAndABadEscapeIs400) {
  TestServer s;
  std::atomic<int> calls = 0;
  s.server.route(verb::get, "/status", echo("status", &calls));
  ASSERT_EQ(s.start(), "");
  HttpClient c(s.port());

  auto ok = body_of(c.get("/status?mode=commit&note=a%20b+c&flag"));
  EXPECT_EQ(boost::json::serialize(ok["query"]), R"({"flag":"","mode":"commit","note":"a b c"})");
  EXPECT_EQ(calls, 1);

  for (const char* bad : {"/status?x=%zz", "/status?x=%2", "/status?a=1&a=2", "/sta%tus"}) {
    auto r = c.get(bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(error_code_of(r), "bad_target") << bad;
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.rejected("target"), 4u);
}

TEST(RpcHttp, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestServer s;
  s.server.route(verb::get, "/blocks/", echo("blocks"));
  ASSERT_EQ(s.start(), "");
  HttpClient c(s.port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.get("/blocks/" + std::to_string(i));
    ASSERT_EQ(r.error, "") << i;
    EXPECT_EQ(field(r, "param"), std::to_string(i));
    EXPECT_NE(r.headers["connection"], "close");
  }
  EXPECT_EQ(s.gauge("ghost_rpc_connections"), 1);

  // Pipelined: two requests in one write, two answers in order.
  ASSERT_TRUE(c.send_raw("GET /blocks/a HTTP/1.1\r\nHost: x\r\n\r\nGET /blocks/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(field(c.read_response(), "param"), "a");
  EXPECT_EQ(field(c.read_response(), "param"), "b");
}

TEST(RpcHttp, ConnectionCloseAndHttp10AreHonoured) {
  TestServer s;
  s.server.route(verb::get, "/status", echo("status"));
  ASSERT_EQ(s.start(), "");
  HttpClient a(s.port());
  auto r = a.request("GET", "/status", "", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(a.closed_by_server(2s));

  HttpClient b(s.port());
  ASSERT_TRUE(b.send_raw("GET /status HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(b.read_response().status, 200u);
  EXPECT_TRUE(b.closed_by_server(2s));
}

// A server whose /slow handler holds its reply for the test; /status answers at once.
class HeldReply : public testing::Test {
 protected:
  void SetUp() override {
    s.server.route(verb::get, "/slow", held.handler());
    s.server.route(verb::get, "/status", echo("status"));
    ASSERT_EQ(s.start(), "");
  }
  TestServer s;
  Held held;  // after the server: a reply it still holds goes before the io_context
};

TEST_F(HeldReply, ReplyLaterFromAnotherThread) {

  std::atomic<unsigned> other_status = 0;
  std::thread worker([&] {
    if (!eventually([&] { return held.waiting(); })) return;
    other_status = HttpClient(s.port()).get("/status").status;  // the server is not blocked meanwhile
    held.answer(R"({"late":true})");
  });
  HttpClient c(s.port());
  auto r = c.get("/slow");
  worker.join();
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"late":true})");
  EXPECT_EQ(other_status, 200u);
  EXPECT_EQ(c.get("/status").status, 200u);  // and the connection goes on
}

TEST(RpcHttp, ASecondReplyToOneRequestIsIgnored) {
  TestServer s;
  int n = 0;
  s.server.route(verb::get, "/twice", [&](const Request&, const std::string&, Reply reply) {
    const std::string mine = std::to_string(++n);
    reply(json(mine));
    reply(json("stale"));
  });
  ASSERT_EQ(s.start(), "");
  HttpClient c(s.port());
  EXPECT_EQ(c.get("/twice").body, "1");
  EXPECT_EQ(c.get("/twice").body, "2");
  EXPECT_EQ(c.get("/twice").body, "3");
}

TEST_F(HeldReply, ReplyAfterTheClientLeftIsDropped) {
  {
    HttpClient c(s.port());
    ASSERT_TRUE(c.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(eventually([&] { return held.waiting(); }));
  }  // the client closes its socket
  held.answer(R"({"late":true})");
  EXPECT_TRUE(eventually([&] { return s.gauge("ghost_rpc_connections") == 0; }));  // the session is gone
  EXPECT_EQ(HttpClient(s.port()).get("/status").status, 200u);
}

TEST_F(HeldReply, ReplyAfterStopIsDropped) {
  HttpClient c(s.port());
  ASSERT_TRUE(c.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return held.waiting(); }));
  s.server.stop();
  EXPECT_TRUE(c.closed_by_server(2s));
  held.answer("{}");
  EXPECT_TRUE(eventually([&] { return s.gauge("ghost_rpc_connections") == 0; }));
}

TEST(RpcHttp, TheRequestDeadlineDoesNotCoverTheHandler) {
  Config config;
  config.request_timeout_ms = 200;
  TestServer s(config);
  Held held;
  s.server.route(verb::get, "/slow", held.handler());
  ASSERT_EQ(s.start(), "");
  std::thread worker([&] {
    const auto after = std::chrono::steady_clock::now() + 3 * std::chrono::milliseconds(config.request_timeout_ms);
    if (eventually([&] { return held.waiting() && std::chrono::steady_clock::now() > after; })) held.answer("{}");
  });
  HttpClient c(s.port());
  auto r = c.get("/slow");
  worker.join();
  EXPECT_EQ(r.status, 200u) << r.error;
  EXPECT_EQ(s.rejected("timeout"), 0u);
}

}  // namespace
}  // namespace ghost::rpc::test
