// The small policies behind policing and redialling: bans that expire and stay bounded,
// flood control, reconnect backoff, offence scores.
#include <gtest/gtest.h>

#include "node/p2p/backoff.h"
#include "node/p2p/ban_list.h"
#include "node/p2p/offence.h"
#include "node/p2p/token_bucket.h"

namespace ghost::p2p {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(BanList, BansUntilTheDurationPasses) {
  BanList<int> bans(10s, 100);
  const auto t0 = Clock::time_point{} + 1h;
  bans.ban(7, t0);
  EXPECT_TRUE(bans.banned(7, t0));
  EXPECT_TRUE(bans.banned(7, t0 + 9s));
  EXPECT_FALSE(bans.banned(8, t0 + 9s));
  EXPECT_FALSE(bans.banned(7, t0 + 10s));
}

TEST(BanList, ABanAgainExtendsIt) {
  BanList<int> bans(10s, 100);
  const auto t0 = Clock::time_point{} + 1h;
  bans.ban(7, t0);
  bans.ban(7, t0 + 5s);
  EXPECT_TRUE(bans.banned(7, t0 + 12s));
  EXPECT_FALSE(bans.banned(7, t0 + 15s));
}

TEST(BanList, ForgetsTheOldestBeyondCapacity) {
  BanList<int> bans(10s, 3);
  const auto t0 = Clock::time_point{} + 1h;
  for (int k = 0; k < 5; ++k) bans.ban(k, t0);
  EXPECT_FALSE(bans.banned(0, t0));
  EXPECT_FALSE(bans.banned(1, t0));
  for (int k = 2; k < 5; ++k) EXPECT_TRUE(bans.banned(k, t0)) << k;
}

TEST(TokenBucket, AllowsTheRateOverTheWindowThenRefuses) {
  const auto t0 = Clock::time_point{} + 1h;
  TokenBucket bucket(10, 2s, t0);  // 20 messages at once, then 10 per second
  int taken = 0;
  while (bucket.take(t0)) ++taken;
  EXPECT_EQ(taken, 20);
  EXPECT_FALSE(bucket.take(t0 + 50ms));
  EXPECT_TRUE(bucket.take(t0 + 150ms));
  int later = 0;
  while (bucket.take(t0 + 10s)) ++later;
  EXPECT_EQ(later, 20) << "refills up to the window, no further";
}

TEST(Backoff, DoublesUpToTheMaximumAndResets) {
  Backoff b(250ms, 1000ms);
  EXPECT_EQ(b.next(), 250ms);
  EXPECT_EQ(b.next(), 500ms);
  EXPECT_EQ(b.next(), 1000ms);
  EXPECT_EQ(b.next(), 1000ms);
  b.reset();
  EXPECT_EQ(b.next(), 250ms);
  Backoff zero(0ms, 0ms);
  EXPECT_EQ(zero.next(), 1ms) << "never a busy loop";
}

TEST(OffenceScore, WhatOnlyABrokenOrHostileNodeSendsBansAtOnce) {
  const int32_t ban = Config{}.ban_score;
  for (Offence o : {Offence::kUndecodable, Offence::kOversize, Offence::kBadHandshake, Offence::kBadSignature,
                    Offence::kInvalidBlock})
    EXPECT_GE(Network::offence_score(o), ban) << offence_name(o);
  EXPECT_EQ(Network::offence_score(Offence::kFlood), 50);
  EXPECT_EQ(Network::offence_score(Offence::kProtocol), 20);
}

}  // namespace
}  // namespace ghost::p2p
