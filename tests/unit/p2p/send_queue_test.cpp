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
  for (auto f = q.next(); !f.empty(); f = q.next()) {
    ASSERT_EQ(f.size(), 1u) << "without batching, one frame at a time";
    EXPECT_TRUE(q.next().empty()) << "nothing while a write is under way";
    order.push_back(char((*f[0])[0]));
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
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(q.bytes(), 80u);
  EXPECT_EQ(q.push(frame(30, 'b'), Priority::kConsensus), SendQueue::Push::kOverflow);
  q.written();
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.push(frame(30, 'b'), Priority::kConsensus), SendQueue::Push::kQueued);
}

// Batching takes small frames in write order (consensus first) while they fit; a large frame
// goes alone and ends a batch; the bytes of a batch count until it is written.
TEST(SendQueue, BatchesTakeSmallFramesInOrderUntilOneDoesNotFit) {
  SendQueue q(1000, 1000);
  const SendQueue::Batching batching{.frame_bytes = 50, .total_bytes = 100};
  auto tags = [](const std::vector<SendQueue::Frame>& fs) {
    std::string s;
    for (const auto& f : fs) s.push_back(char((*f)[0]));
    return s;
  };
  for (auto [size, tag, p] : {std::tuple{10, 'g', Priority::kGossip}, {20, 'h', Priority::kGossip}, {30, 'c', Priority::kConsensus},
                              {60, 'B', Priority::kGossip}, {40, 'i', Priority::kGossip}, {40, 'j', Priority::kGossip},
                              {40, 'k', Priority::kGossip}})
    ASSERT_EQ(q.push(frame(size_t(size), uint8_t(tag)), p), SendQueue::Push::kQueued);
  auto f = q.next(batching);
  EXPECT_EQ(tags(f), "cgh") << "consensus first, then gossip, up to a frame too large";
  EXPECT_EQ(q.bytes(), 240u) << "a batch being written still counts";
  EXPECT_TRUE(q.next(batching).empty());
  q.written();
  EXPECT_EQ(q.bytes(), 180u);
  f = q.next(batching);
  EXPECT_EQ(tags(f), "B") << "a frame over frame_bytes goes alone";
  q.written();
  f = q.next(batching);
  EXPECT_EQ(tags(f), "ij") << "total_bytes ends the batch";
  q.written();
  EXPECT_EQ(tags(q.next(batching)), "k");
  q.written();
  EXPECT_TRUE(q.next(batching).empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace
}  // namespace ghost::p2p
