#include "node/p2p/send_queue.h"

#include <algorithm>
#include <stdexcept>

namespace ghost::p2p {

SendQueue::SendQueue(uint64_t consensus_bytes, uint64_t gossip_bytes)
    : lane_{Lane{consensus_bytes, 0, {}}, Lane{gossip_bytes, 0, {}}} {}

SendQueue::Push SendQueue::push(Frame frame, Priority priority) {
  Lane& lane = lane_[size_t(priority)];
  if (frame->size() > lane.limit - std::min(lane.limit, lane.bytes))
    return priority == Priority::kConsensus ? Push::kOverflow : Push::kDropped;
  lane.bytes += frame->size();
  lane.frames.push_back(std::move(frame));
  return Push::kQueued;
}

std::vector<SendQueue::Frame> SendQueue::next(std::optional<Batching> batching) {
  std::vector<Frame> out;
  if (writing_) return out;
  uint64_t total = 0;
  for (Priority p : {Priority::kConsensus, Priority::kGossip}) {
    Lane& lane = lane_[size_t(p)];
    while (!lane.frames.empty()) {
      const uint64_t size = lane.frames.front()->size();
      const bool fits = batching && size <= batching->frame_bytes && total + size <= batching->total_bytes;
      if (!out.empty() && !fits) return out;
      out.push_back(std::move(lane.frames.front()));
      lane.frames.pop_front();
      writing_ = true;
      writing_bytes_[size_t(p)] += size;
      total += size;
      if (!fits) return out;  // the first, alone
    }
  }
  return out;
}

void SendQueue::written() {
  if (!writing_) throw std::logic_error("SendQueue::written without a frame being written");
  for (size_t p = 0; p < 2; ++p) lane_[p].bytes -= writing_bytes_[p], writing_bytes_[p] = 0;
  writing_ = false;
}

}  // namespace ghost::p2p
