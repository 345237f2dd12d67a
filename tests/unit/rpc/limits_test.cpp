// Every bad request gets its 4xx (or a closed socket) and reaches no handler: body and
// header limits, garbage, the rate limit, the connection cap and slow clients.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>

#include "tests/unit/rpc/test_client.h"
#include "tests/unit/rpc/test_server.h"

namespace ghost::rpc::test {
namespace {

using boost::beast::http::verb;

std::string error_code_of(const HttpResult& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("code").as_string());
}

// A server whose handler counts its calls and echoes the body.
struct Counting {
  explicit Counting(Config config) : s(config) {
    s.server.route(verb::post, "/txs", [this](const Request& r, const std::string&, Reply reply) {
      ++calls;
      reply(json(r.body));
    });
    s.server.route(verb::get, "/status", [this](const Request&, const std::string&, Reply reply) {
      ++calls;
      reply(json("{}"));
    });
  }
  TestServer s;
  std::atomic<int> calls = 0;
};

Config limits() {
  Config c;
  c.max_body_bytes = 1024;
  c.max_header_bytes = 1024;
  return c;
}

std::string post_header(size_t content_length) {
  return "POST /txs HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

TEST(RpcLimits, BodyOverTheLimitIs413BeforeItIsRead) {
  Counting t(limits());
  ASSERT_EQ(t.s.start(), "");
  HttpClient at_limit(t.s.port());
  auto ok = at_limit.request("POST", "/txs", std::string(1024, 'a'));
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body.size(), 1024u);

  HttpClient c(t.s.port());
  ASSERT_TRUE(c.send_raw(post_header(1025)));  // no body sent: the answer comes from the header alone
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413u) << r.error;
  EXPECT_EQ(error_code_of(r), "body_too_large");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.closed_by_server(3s));
  EXPECT_EQ(t.calls, 1);
  EXPECT_EQ(t.s.rejected("body_size"), 1u);
}

TEST(RpcLimits, AnOversizeBodyThatIsSentStillGets413) {
  Counting t(limits());
  ASSERT_EQ(t.s.start(), "");
  HttpClient c(t.s.port());
  ASSERT_TRUE(c.send_raw(post_header(4096) + std::string(4096, 'a')));
  EXPECT_EQ(c.read_response().status, 413u);  // the server drains before closing: no reset
  EXPECT_EQ(t.calls, 0);
}

TEST(RpcLimits, ChunkedBodyOverTheLimitIs413) {
  Counting t(limits());
  ASSERT_EQ(t.s.start(), "");
  const std::string chunked = "POST /txs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  HttpClient under(t.s.port());
  ASSERT_TRUE(under.send_raw(chunked + "200\r\n" + std::string(512, 'a') + "\r\n200\r\n" + std::string(512, 'b') +
                             "\r\n0\r\n\r\n"));
  auto ok = under.read_response();
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, std::string(512, 'a') + std::string(512, 'b'));

  HttpClient over(t.s.port());
  ASSERT_TRUE(over.send_raw(chunked + "200\r\n" + std::string(512, 'a') + "\r\n201\r\n"));  // 1025 announced
  auto r = over.read_response();
  EXPECT_EQ(r.status, 413u) << r.error;
  EXPECT_EQ(error_code_of(r), "body_too_large");
  EXPECT_EQ(t.calls, 1);
}

TEST(RpcLimits, HeaderOverTheLimitIs431) {
  Counting t(limits());
  ASSERT_EQ(t.s.start(), "");
  HttpClient c(t.s.port());
  auto r = c.request("GET", "/status", "", {{"X-Big", std::string(2000, 'h')}});
  EXPECT_EQ(r.status, 431u) << r.error;
  EXPECT_EQ(error_code_of(r), "header_too_large");
  EXPECT_TRUE(c.closed_by_server(3s));
  HttpClient long_target(t.s.port());
  EXPECT_EQ(long_target.get("/status?" + std::string(2000, 'q')).status, 431u);
  EXPECT_EQ(t.calls, 0);
  EXPECT_EQ(t.s.rejected("header_size"), 2u);
}

TEST(RpcLimits, GarbageIs400) {
  Counting t(limits());
  ASSERT_EQ(t.s.start(), "");
  for (const std::string& garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello\r\n\r\n"),
                                    std::string("GET /status HTTX/1.1\r\n\r\n"),
                                    std::string("GET /status HTTP/1.1\r\nBad Header\r\n\r\n"),
                                    std::string("POST /txs HTTP/1.1\r\nContent-Length: x\r\n\r\n")}) {
    HttpClient c(t.s.port());
    ASSERT_TRUE(c.send_raw(garbage));
    auto r = c.read_response();
    EXPECT_EQ(r.status, 400u) << r.error;
    EXPECT_EQ(error_code_of(r), "malformed_request");
    EXPECT_TRUE(c.closed_by_server(3s));
  }
  EXPECT_EQ(t.calls, 0);
  EXPECT_EQ(t.s.rejected("malformed"), 4u);
}

TEST(RpcLimits, RateLimitIs429PerAddressAndRecovers) {
  Config config;
  config.requests_per_second = 10;
  config.burst = 3;
  Counting t(config);
  ASSERT_EQ(t.s.start(), "");
  HttpClient c(t.s.port());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.get("/status").status, 200u) << i;
  auto limited = c.get("/status");
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.headers["retry-after"], "1");
  EXPECT_EQ(error_code_of(limited), "rate_limited");
  EXPECT_EQ(t.calls, 3);

  HttpClient other(t.s.port(), "127.0.0.2");  // another address has its own bucket
  ASSERT_TRUE(other.connected());
  EXPECT_EQ(other.get("/status").status, 200u);

  // The bucket refills at 10/s: the same connection gets through again.
  EXPECT_TRUE(eventually([&] { return c.get("/status").status == 200u; }, 3s));
  EXPECT_GE(t.s.rejected("rate"), 1u);
}

TEST(RpcLimits, ConnectionsOverTheCapAreClosedAtOnce) {
  Config config;
  config.max_connections = 2;
  Counting t(config);
  ASSERT_EQ(t.s.start(), "");
  auto a = std::make_unique<HttpClient>(t.s.port());
  HttpClient b(t.s.port());
  ASSERT_EQ(a->get("/status").status, 200u);
  ASSERT_EQ(b.get("/status").status, 200u);
  ASSERT_TRUE(eventually([&] { return t.s.gauge("ghost_rpc_connections") == 2; }));

  HttpClient extra(t.s.port());
  auto r = extra.get("/status");
  EXPECT_TRUE(r.status == 503u || !r.error.empty()) << r.status;  // a 503 or a closed socket
  EXPECT_TRUE(extra.closed_by_server(3s));
  EXPECT_EQ(t.s.rejected("connections"), 1u);
  EXPECT_EQ(b.get("/status").status, 200u);

  a.reset();  // a slot frees up
  ASSERT_TRUE(eventually([&] { return t.s.gauge("ghost_rpc_connections") == 1; }));
  EXPECT_EQ(HttpClient(t.s.port()).get("/status").status, 200u);
}

// A server with a 300 ms request deadline, and a client connected to it.
class SlowClient : public testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.request_timeout_ms = 300;
    t = std::make_unique<Counting>(config);
    ASSERT_EQ(t->s.start(), "");
    c = std::make_unique<HttpClient>(t->s.port());
  }
  // The deadline closed the connection before any handler ran.
  void expect_timed_out() {
    EXPECT_EQ(t->calls, 0);
    // The server counts the timeout after it closed the socket: the client may see the close first.
    EXPECT_TRUE(eventually([&] { return t->s.rejected("timeout") == 1u; })) << t->s.rejected("timeout");
  }
  std::unique_ptr<Counting> t;
  std::unique_ptr<HttpClient> c;
};

TEST_F(SlowClient, PartialRequestThenSilenceIsClosedAtTheDeadline) {
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c->send_raw("GET /status HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_TRUE(c->closed_by_server(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  expect_timed_out();
}

TEST_F(SlowClient, TricklingARequestDoesNotExtendTheDeadline) {
  const std::string request = "GET /status HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(200, 'p') + "\r\n\r\n";
  const auto t0 = std::chrono::steady_clock::now();
  size_t sent = 0;
  // One byte per 20 ms would take 4.6 s; the deadline is 0.3 s for the whole request.
  while (sent < request.size() && c->send_raw(request.substr(sent, 1))) {
    ++sent;
    const auto next = std::chrono::steady_clock::now() + 20ms;
    eventually([&] { return std::chrono::steady_clock::now() >= next; });
  }
  EXPECT_LT(sent, request.size());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  expect_timed_out();
}

TEST_F(SlowClient, AnIdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  ASSERT_EQ(c->get("/status").status, 200u);
  EXPECT_TRUE(c->closed_by_server(5s));
  EXPECT_EQ(t->s.rejected("timeout"), 0u);  // closing an idle connection refuses nothing
}

}  // namespace
}  // namespace ghost::rpc::test
