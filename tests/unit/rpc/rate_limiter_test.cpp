// Per-client token buckets (node/rpc/rate_limiter.h), on a clock the test moves.
#include <gtest/gtest.h>

#include "node/rpc/rate_limiter.h"

namespace ghost::rpc {
namespace {

using namespace std::chrono_literals;
const RateLimiter::Clock::time_point t0{};

TEST(RateLimiter, BurstThenRefillAtTheRate) {
  RateLimiter r(10, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.allow("a", t0)) << i;
  EXPECT_FALSE(r.allow("a", t0));
  EXPECT_FALSE(r.allow("a", t0 + 50ms));  // half a token
  EXPECT_TRUE(r.allow("a", t0 + 100ms));
  EXPECT_FALSE(r.allow("a", t0 + 100ms));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.allow("a", t0 + 60s)) << i;  // refilled to the burst, no more
  EXPECT_FALSE(r.allow("a", t0 + 60s));
}

TEST(RateLimiter, EachClientHasItsOwnBucket) {
  RateLimiter r(1, 2);
  EXPECT_TRUE(r.allow("a", t0));
  EXPECT_TRUE(r.allow("a", t0));
  EXPECT_FALSE(r.allow("a", t0));
  EXPECT_TRUE(r.allow("b", t0));
}

TEST(RateLimiter, RemembersAtMostMaxClients) {
  RateLimiter r(1, 1, 2);
  EXPECT_TRUE(r.allow("a", t0));
  EXPECT_TRUE(r.allow("b", t0));
  EXPECT_FALSE(r.allow("c", t0));       // both buckets are in use: no room
  EXPECT_TRUE(r.allow("c", t0 + 2s));   // a and b are full again and forgotten
  EXPECT_FALSE(r.allow("c", t0 + 2s));  // and c has a bucket of its own
}

TEST(RateLimiter, ZeroRateTurnsTheLimitOff) {
  RateLimiter r(0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(r.allow("a", t0));
}

TEST(RateLimiter, BurstBelowOneCountsAsOne) {
  RateLimiter r(1, 0);
  EXPECT_TRUE(r.allow("a", t0));
  EXPECT_FALSE(r.allow("a", t0));
}

}  // namespace
}  // namespace ghost::rpc
