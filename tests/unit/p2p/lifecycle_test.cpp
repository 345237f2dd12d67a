// Starting, stopping, and persistent peers coming back.
#include <gtest/gtest.h>

#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/raw_peer.h"

namespace ghost::p2p::test {
namespace {

TEST(Lifecycle, APersistentPeerIsRedialledAfterItRestarts) {
  const PrivateKey b_key = PrivateKey::generate();
  auto b = std::make_unique<TestNode>(TestNode::Options{.key = b_key});
  const std::string b_address = b->address();
  TestNode a(dialling({b_address}));
  ASSERT_TRUE(linked(a, *b));

  b.reset();
  ASSERT_TRUE(eventually([&] { return a.disconnects().size() == 1; }));
  EXPECT_FALSE(a.connected_to(b_key.public_key()));

  // Back on the same address after a while: a's redials (backoff up to 200 ms) find it.
  std::this_thread::sleep_for(300ms);  // lets a's dials fail a few times (not a synchronisation)
  TestNode::Options o{.key = b_key};
  o.config.listen = b_address;
  TestNode b2(o);
  EXPECT_TRUE(linked(a, b2));
  // The connect event reaches the test after the link shows (another thread).
  EXPECT_TRUE(eventually([&] { return a.connects().size() == 2; })) << a.connects().size();
}

TEST(Lifecycle, RefusesAListenAddressInUse) {
  TestNode a;
  boost::asio::io_context io;
  metrics::Registry registry;
  Config c = test_config();
  c.listen = a.address();
  Network second(io, c, PrivateKey::generate(), "test-chain", Hash32{}, {}, registry);
  auto started = second.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::kIo);
  EXPECT_NE(started.error().message.find(a.address()), std::string::npos) << started.error().message;
}

TEST(Lifecycle, StopClosesEverythingAndIsIdempotent) {
  TestNode a;
  TestNode b(dialling({a.address()}));
  ASSERT_TRUE(linked(a, b));
  const uint16_t port = a.port();

  a.net().stop();
  a.net().stop();
  EXPECT_TRUE(eventually([&] { return b.disconnects().size() == 1; }));
  EXPECT_TRUE(eventually([&] { return a.net().peers().empty(); }));
  EXPECT_TRUE(eventually([&] { return !RawPeer(port, 500ms).tcp_connected(); })) << "still accepting";
  EXPECT_TRUE(a.disconnects().empty()) << "no callbacks after stop()";
  // b keeps redialling; a never answers again.
  EXPECT_TRUE(never([&] { return b.connects().size() > 1; }, 300ms));
  a.shut_down();
  a.net().stop();
}

// The partition drill: an isolated node drops both its dialled and its accepted peer, refuses
// their redials and dials nobody; once it rejoins, both links come back.
TEST(Lifecycle, AnIsolatedNodeKeepsNoPeerUntilItRejoins) {
  TestNode a;
  TestNode c;
  TestNode b(dialling({a.address(), c.address()}));  // b dials a and c; they do not dial back
  ASSERT_TRUE(linked(a, b));
  ASSERT_TRUE(linked(b, c));
  TestNode d(dialling({b.address()}));  // and d dials b
  ASSERT_TRUE(linked(b, d));

  b.net().set_isolated(true);
  ASSERT_TRUE(eventually([&] { return b.net().peers().empty(); }));
  EXPECT_TRUE(eventually([&] { return a.net().peers().empty() && c.net().peers().empty() && d.net().peers().empty(); }));
  // d keeps redialling b (backoff up to 200 ms), b keeps redialling nobody.
  EXPECT_TRUE(never([&] { return !b.net().peers().empty(); }, 600ms));

  const size_t before = b.connects().size();
  b.net().set_isolated(false);
  EXPECT_TRUE(eventually([&] { return b.connected_to(a.id()) && b.connected_to(c.id()) && b.connected_to(d.id()); }));
  EXPECT_TRUE(eventually([&] { return b.connects().size() == before + 3; })) << b.connects().size();
}

}  // namespace
}  // namespace ghost::p2p::test
