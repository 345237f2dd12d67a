// A peer's outgoing frames in two lanes, each bounded in bytes: consensus frames go first
// and must all arrive (overflow means the peer is too slow to keep); gossip frames are
// dropped when their lane is full. A frame being written still counts until it is written.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

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
  // Several small frames may go as one write: each of at most frame_bytes, total_bytes in all.
  struct Batching {
    uint64_t frame_bytes;
    uint64_t total_bytes;
  };
  // The next frames to write, consensus first: one, or with `batching` every frame in that
  // order while they fit (one alone when the first does not); none while some are being written.
  std::vector<Frame> next(std::optional<Batching> batching = std::nullopt);
  // The frames from next() are written: their bytes stop counting.
  void written();

  uint64_t bytes() const { return lane_[0].bytes + lane_[1].bytes; }
  size_t count() const { return lane_[0].frames.size() + lane_[1].frames.size(); }
  bool writing() const { return writing_; }

 private:
  struct Lane {
    uint64_t limit;
    uint64_t bytes = 0;
    std::deque<Frame> frames;
  };
  Lane lane_[2];  // indexed by Priority
  bool writing_ = false;
  uint64_t writing_bytes_[2] = {0, 0};  // by lane
};

}  // namespace ghost::p2p
