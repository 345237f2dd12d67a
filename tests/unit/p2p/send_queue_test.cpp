// Per-peer send queue: consensus first, each lane bounded (node/p2p/send_queue.h).
#include <gtest/gtest.h>

#include "node/p2p/send_queue.h"

namespace ghost::p2p {
namespace {

SendQueue::Frame frame(size_t size, uint8_t tag) { return std::make_shared<const Bytes>(size, tag); }

TEST(SendQueue, ConsensusFramesGoBeforeGossip) {
  SendQueue q(1000, 1000);
  ASSERT_EQ(q.push(frame(10, 'g'), Priority::kGossip), SendQueue::Push::kQueued);
  ASSERT_EQ(q.push(frame(10, 'c'), Priority::kConsensus), SendQueue::Push::kQueued);
  ASSERT_EQ(q.push(frame(10, 'd'), Priority::kConsensus), SendQueue::Push::kQueued);
  std::string order;
  while (auto f = q.next()) {
    EXPECT_FALSE(q.next()) << "one frame at a time";
    order.push_back(char((**f)[0]));
    q.written();
  }
  EXPECT_EQ(order, "cdg");
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, GossipOverflowDropsTheFrameOnly) {
  SendQueue q(100, 25);
  EXPECT_EQ(q.push(frame(20, 'a'), Priority::kGossip), SendQueue::Push::kQueued);
  EXPECT_EQ(q.push(frame(10, 'b'), Priority::kGossip), SendQueue::Push::kDropped);
  EXPECT_EQ(q.push(frame(5, 'c'), Priority::kGossip), SendQueue::Push::kQueued);
  EXPECT_EQ(q.push(frame(100, 'd'), Priority::kConsensus), SendQueue::Push::kQueued);
  EXPECT_EQ(q.bytes(), 125u);
}

TEST(SendQueue, ConsensusOverflowIsReportedAndChangesNothing) {
  SendQueue q(100, 100);
  EXPECT_EQ(q.push(frame(60, 'a'), Priority::kConsensus), SendQueue::Push::kQueued);
  EXPECT_EQ(q.push(frame(41, 'b'), Priority::kConsensus), SendQueue::Push::kOverflow);
  EXPECT_EQ(q.bytes(), 60u);
  EXPECT_EQ(q.push(frame(40, 'c'), Priority::kConsensus), SendQueue::Push::kQueued);
}

TEST(SendQueue, AFrameBeingWrittenStillCounts) {
  SendQueue q(100, 100);
  ASSERT_EQ(q.push(frame(80, 'a'), Priority::kConsensus), SendQueue::Push::kQueued);
  auto f = q.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(q.bytes(), 80u);
  EXPECT_EQ(q.push(frame(30, 'b'), Priority::kConsensus), SendQueue::Push::kOverflow);
  q.written();
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.push(frame(30, 'b'), Priority::kConsensus), SendQueue::Push::kQueued);
}

}  // namespace
}  // namespace ghost::p2p
