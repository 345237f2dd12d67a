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

std::optional<SendQueue::Frame> SendQueue::next() {
  if (writing_) return std::nullopt;
  for (Priority p : {Priority::kConsensus, Priority::kGossip}) {
    Lane& lane = lane_[size_t(p)];
    if (lane.frames.empty()) continue;
    Frame f = std::move(lane.frames.front());
    lane.frames.pop_front();
    writing_ = p;
    writing_bytes_ = f->size();
    return f;
  }
  return std::nullopt;
}

void SendQueue::written() {
  if (!writing_) throw std::logic_error("SendQueue::written without a frame being written");
  lane_[size_t(*writing_)].bytes -= writing_bytes_;
  writing_.reset();
}

}  // namespace ghost::p2p
