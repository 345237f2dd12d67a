// What the network does with a frame from a peer whose handshake is complete, apart from
// sockets (so tests/fuzz/p2p_dispatch_fuzz.cpp runs exactly this): open and check the frame,
// note the peer's height, drop copies of messages the node accepted, hand the rest over.
#pragma once

#include <functional>

#include "base/bounded_set.h"
#include "node/p2p/frame.h"

namespace ghost::p2p {

class Dispatcher {
 public:
  struct Sink {
    std::function<void(const PeerId& from, uint64_t height)> on_height;  // a NodeStatus
    // true: accepted. The envelope is the sink's to take from: the dispatcher is done with it.
    std::function<bool(const PeerId& from, pb::Envelope& env)> on_message;
  };
  enum class Outcome { kAccepted, kDeclined, kDuplicate };

  Dispatcher(uint64_t max_frame_bytes, size_t seen_capacity, Sink sink);

  Checked<Outcome> receive(const PeerId& from, ByteSpan frame, bool text);
  // An id whose copies are dropped from now on (a message this node sent itself).
  void remember(const Hash32& id) { seen_.insert(id); }

 private:
  uint64_t max_frame_bytes_;
  BoundedSet<Hash32, Hash32Hasher> seen_;  // ids the node accepted or sent
  Sink sink_;
};

}  // namespace ghost::p2p
