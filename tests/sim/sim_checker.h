// The simulator's invariants, checked as events happen: agreement, valid commits, no honest
// double-signing, no going back in height or signer state, evidence only against the guilty.
// The first violation is kept (with the virtual time it happened at).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "consensus/bft/engine.h"

namespace ghost::sim {

class Checker {
 public:
  Checker(std::string chain_id, SigCache* cache) : chain_id_(std::move(chain_id)), cache_(cache) {}

  void on_decision(uint32_t node, const bft::Decision& d, const bft::ValidatorSet& set, Hash32 block_hash);
  // A signed message an honest node released (sent), by signer position.
  void on_signed(const PublicKey& key, uint64_t height, uint32_t round, bft::Step step, const Hash32& digest);
  void on_evidence(const pb::Evidence& ev, const bft::ValidatorSet& set, bool accused_is_byzantine);
  // Heights and the signer's position must never go back (also across crashes); after a
  // restart the signer must remember everything the node released.
  void on_node_state(uint32_t node, uint64_t ledger_height, uint64_t engine_height,
                     std::optional<std::tuple<uint64_t, uint32_t, uint8_t>> signer_position);

  void violate(std::string what);
  const std::optional<std::string>& violation() const { return violation_; }
  uint64_t max_height() const { return decided_.empty() ? 0 : decided_.rbegin()->first; }
  uint64_t evidence_count() const { return evidence_; }

 private:
  std::string chain_id_;
  SigCache* cache_;
  std::optional<std::string> violation_;
  std::map<uint64_t, Hash32> decided_;
  std::map<std::tuple<PublicKey, uint64_t, uint32_t, uint8_t>, Hash32> signed_;
  std::map<PublicKey, std::tuple<uint64_t, uint32_t, uint8_t>> released_;
  struct NodeMark {
    uint64_t ledger = 0, engine = 0;
    std::tuple<uint64_t, uint32_t, uint8_t> signer{};
  };
  std::map<uint32_t, NodeMark> nodes_;
  uint64_t evidence_ = 0;

 public:
  // The highest position released under `key` (for the persist-before-release check).
  std::optional<std::tuple<uint64_t, uint32_t, uint8_t>> released(const PublicKey& key) const {
    auto it = released_.find(key);
    return it == released_.end() ? std::nullopt : std::optional{it->second};
  }
};

}  // namespace ghost::sim
