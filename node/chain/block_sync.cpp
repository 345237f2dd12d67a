#include "node/chain/block_sync.h"

#include <vector>

namespace ghost::chain {

void BlockSync::peer_height(const PublicKey& peer, uint64_t height) { heights_[peer] = height; }

void BlockSync::peer_gone(const PublicKey& peer) {
  heights_.erase(peer);
  if (outstanding_ && outstanding_->peer == peer) outstanding_.reset();
}

uint64_t BlockSync::best_peer_height() const {
  uint64_t best = 0;
  for (const auto& [p, h] : heights_) best = std::max(best, h);
  return best;
}

std::optional<std::pair<PublicKey, pb::BlockRequest>> BlockSync::next_request(uint64_t height, uint64_t now_ms) {
  if (outstanding_ && now_ms < outstanding_->sent_ms + timeout_ms_ && outstanding_->from > height) return std::nullopt;
  std::optional<PublicKey> timed_out;
  if (outstanding_ && outstanding_->from > height) timed_out = outstanding_->peer;
  outstanding_.reset();
  std::vector<PublicKey> ahead;
  for (const auto& [p, h] : heights_)
    if (h > height && p != timed_out) ahead.push_back(p);
  if (ahead.empty() && timed_out && heights_.contains(*timed_out) && heights_[*timed_out] > height) ahead.push_back(*timed_out);
  if (ahead.empty()) return std::nullopt;
  const PublicKey peer = ahead[rotate_++ % ahead.size()];
  pb::BlockRequest req;
  req.set_from_height(height + 1);
  req.set_max_blocks(batch_);
  outstanding_ = Outstanding{peer, height + 1, now_ms};
  return std::pair{peer, req};
}

bool BlockSync::answered(const PublicKey& peer) {
  if (!outstanding_ || outstanding_->peer != peer) return false;
  outstanding_.reset();
  return true;
}

}  // namespace ghost::chain
