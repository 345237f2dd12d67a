// BoundedSet (base/bounded_set.h): at most `capacity` keys, the oldest forgotten first.
#include <gtest/gtest.h>

#include "base/bounded_set.h"

namespace ghost {
namespace {

TEST(BoundedSet, ForgetsTheOldestFirst) {
  BoundedSet<int> s(3);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(s.insert(i));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_FALSE(s.contains(0));
  EXPECT_FALSE(s.contains(1));
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(s.contains(i));
  EXPECT_FALSE(s.insert(4));  // already present: no change, nothing evicted
  EXPECT_TRUE(s.contains(2));
  EXPECT_TRUE(s.insert(5));   // evicts 2, the oldest
  EXPECT_FALSE(s.contains(2));
}

TEST(BoundedSet, ZeroCapacityHoldsNothing) {
  BoundedSet<int> s(0);
  EXPECT_FALSE(s.insert(1));
  EXPECT_FALSE(s.contains(1));
  EXPECT_EQ(s.size(), 0u);
}

}  // namespace
}  // namespace ghost
