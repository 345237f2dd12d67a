// A peer's outgoing frames in two lanes, each bounded in bytes: consensus frames go first
// and must all arrive (overflow means the peer is too slow to keep); gossip frames are
// dropped when their lane is full. A frame being written still counts until it is written.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "base/bytes.h"
#include "node/p2p/network.h"

namespace ghost::p2p {

class SendQueue {
 public:
  using Frame = std::shared_ptr<const Bytes>;
  enum class Push { kQueued, kDropped, kOverflow };

  SendQueue(uint64_t consensus_bytes, uint64_t gossip_bytes);

  // kDropped: a gossip frame that did not fit (the queue is unchanged); kOverflow: a
  // consensus frame that did not fit (the queue is unchanged; the peer should go).
  Push push(Frame frame, Priority priority);
  // The next frame to write, consensus first; none while one is being written.
  std::optional<Frame> next();
  // The frame from next() is written: its bytes stop counting.
  void written();

  uint64_t bytes() const { return lane_[0].bytes + lane_[1].bytes; }
  bool writing() const { return writing_.has_value(); }

 private:
  struct Lane {
    uint64_t limit;
    uint64_t bytes = 0;
    std::deque<Frame> frames;
  };
  Lane lane_[2];  // indexed by Priority
  std::optional<Priority> writing_;
  uint64_t writing_bytes_ = 0;
};

}  // namespace ghost::p2p
