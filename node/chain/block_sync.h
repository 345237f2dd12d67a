// Block sync: a node that is behind — at start or any time later — asks a peer that is
// ahead for blocks with their commits, one batch at a time, and moves to another peer when
// one does not answer. The engine checks each commit against the height's validator set
// and decides the block at once (docs/protocol.md §5.11). Heights are learned from
// handshakes and the NodeStatus every node sends now and then, so a node never believes
// it is caught up only because it stopped hearing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "crypto/keys.h"
#include "proto/p2p.pb.h"

namespace ghost::chain {

class BlockSync {
 public:
  BlockSync(uint32_t batch, uint64_t timeout_ms) : batch_(batch), timeout_ms_(timeout_ms) {}

  void peer_height(const PublicKey& peer, uint64_t height);
  void peer_gone(const PublicKey& peer);
  uint64_t best_peer_height() const;

  // The request to send now, if this node (committed `height`) lags a peer and no request
  // is outstanding (or the outstanding one timed out at `now_ms`).
  std::optional<std::pair<PublicKey, pb::BlockRequest>> next_request(uint64_t height, uint64_t now_ms);
  // A response arrived from `peer`: true when it answers the outstanding request (its
  // blocks should be fed to the engine), false when nobody asked it.
  bool answered(const PublicKey& peer);

 private:
  uint32_t batch_;
  uint64_t timeout_ms_;
  std::map<PublicKey, uint64_t> heights_;
  struct Outstanding {
    PublicKey peer;
    uint64_t from = 0;
    uint64_t sent_ms = 0;
  };
  std::optional<Outstanding> outstanding_;
  uint64_t rotate_ = 0;  // spreads requests over the peers that are ahead
};

}  // namespace ghost::chain
