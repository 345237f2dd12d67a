// Peer and listen addresses as the configuration writes them (node/p2p/address.h).
#include <gtest/gtest.h>

#include "node/p2p/address.h"

namespace ghost::p2p {
namespace {

namespace ip = boost::asio::ip;

TEST(PeerAddress, ParsesHostPortAndPinnedKey) {
  auto a = parse_peer_address("node-1.example:26656");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "node-1.example");
  EXPECT_EQ(a->port, 26656);
  EXPECT_FALSE(a->key);

  const PublicKey key = PrivateKey::from_seed("pinned").public_key();
  auto pinned = parse_peer_address(key.hex() + "@127.0.0.1:9");
  ASSERT_TRUE(pinned) << pinned.error().message;
  EXPECT_EQ(pinned->key, key);
  EXPECT_EQ(pinned->host_port(), "127.0.0.1:9");

  auto v6 = parse_peer_address("[::1]:7");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_port(), "[::1]:7");
}

TEST(PeerAddress, RefusesWhatCannotBeDialled) {
  for (const char* bad : {"", "host", "host:", ":26656", "host:0", "host:65536", "host:12x", "::1:7", "zz@host:1",
                          "00@host:1"}) {
    auto a = parse_peer_address(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().code, Errc::kInvalid) << bad;
  }
}

TEST(ListenAddress, TakesIpLiteralsAndPortZero) {
  auto any = parse_listen_address("0.0.0.0:0");
  ASSERT_TRUE(any) << any.error().message;
  EXPECT_EQ(any->port(), 0);
  auto v6 = parse_listen_address("[::1]:26656");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(endpoint_text(*v6), "[::1]:26656");
  EXPECT_FALSE(parse_listen_address("localhost:26656"));  // not resolved
  EXPECT_FALSE(parse_listen_address("127.0.0.1"));
}

TEST(Loopback, CoversV4V6AndMappedAddresses) {
  EXPECT_TRUE(is_loopback(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(is_loopback(ip::make_address("127.3.2.1")));
  EXPECT_TRUE(is_loopback(ip::make_address("::1")));
  EXPECT_TRUE(is_loopback(ip::make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(is_loopback(ip::make_address("10.0.0.1")));
  EXPECT_FALSE(is_loopback(ip::make_address("::ffff:10.0.0.1")));
}

}  // namespace
}  // namespace ghost::p2p
