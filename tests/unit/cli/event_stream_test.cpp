// The client's event stream against the node's real /subscribe server: an event of its topic
// wakes it at once, other topics and silence do not, and a node that cannot be reached or goes
// away leaves the caller polling.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "node/cli/event_stream.h"
#include "node/cli/node_client.h"
#include "tests/unit/rpc/test_server.h"

namespace ghost::cli {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

NodeClient client_of(uint16_t port) { return NodeClient("http://127.0.0.1:" + std::to_string(port)); }

TEST(EventStream, AnEventOfItsTopicWakesItAndNothingElseDoes) {
  rpc::test::TestServer s;
  ASSERT_EQ(s.start(), "");
  auto events = EventStream::open(client_of(s.port()), {"job:ab"});
  ASSERT_TRUE(events);
  ASSERT_TRUE(rpc::test::eventually([&] { return s.gauge("ghost_rpc_subscribers") == 1; }));

  auto t0 = Clock::now();
  EXPECT_FALSE(events->wait(200ms));  // silence: the whole timeout, no event
  EXPECT_GE(Clock::now() - t0, 200ms);
  s.server.publish("job:cd", "{}");
  EXPECT_FALSE(events->wait(200ms));  // another job's event
  s.server.publish("job:ab", R"({"height":3})");
  t0 = Clock::now();
  EXPECT_TRUE(events->wait(5s));
  EXPECT_LT(Clock::now() - t0, 2s);  // woken by the event, not the timeout
  EXPECT_FALSE(events->wait(100ms));  // consumed
}

TEST(EventStream, NoNodeListeningGivesNoStream) {
  uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor closed(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  const auto t0 = Clock::now();
  EXPECT_FALSE(EventStream::open(client_of(port), {"job:ab"}, 500ms));
  EXPECT_LT(Clock::now() - t0, 2s);
}

TEST(EventStream, AStreamTheNodeClosedWaitsOutItsTimeoutLikeAPoll) {
  auto s = std::make_unique<rpc::test::TestServer>();
  ASSERT_EQ(s->start(), "");
  auto events = EventStream::open(client_of(s->port()), {"job:ab"});
  ASSERT_TRUE(events);
  s.reset();  // the node goes away
  EXPECT_FALSE(events->wait(1s));  // the close is no event
  const auto t0 = Clock::now();
  EXPECT_FALSE(events->wait(150ms));
  EXPECT_GE(Clock::now() - t0, 150ms);  // a broken stream sleeps, it does not spin
}

}  // namespace
}  // namespace ghost::cli
