#include "tests/sim/sim_checker.h"

#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"

namespace ghost::sim {

void Checker::violate(std::string what) {
  if (!violation_) violation_ = std::move(what);
}

void Checker::on_decision(uint32_t node, const bft::Decision& d, const bft::ValidatorSet& set,
                          Hash32 block_hash) {
  std::string who = "node " + std::to_string(node) + " at height " + std::to_string(d.height);
  auto [it, fresh] = decided_.try_emplace(d.height, block_hash);
  if (!fresh && it->second != block_hash)
    violate("agreement: " + who + " decided " + block_hash.hex() + " but another node decided " + it->second.hex());
  if (d.commit.height() != d.height || d.commit.block_hash() != std::string(block_hash.bytes.begin(), block_hash.bytes.end()))
    violate("commit: " + who + " decided with a commit for another block");
  if (auto c = bft::verify_commit(d.commit, set, chain_id_, cache_); !c)
    violate("commit: " + who + " decided with an invalid commit: " + c.error().message);
}

void Checker::on_signed(const PublicKey& key, uint64_t h, uint32_t r, bft::Step step, const Hash32& digest) {
  auto pos = std::tuple(h, r, uint8_t(step));
  auto [it, fresh] = signed_.try_emplace(std::tuple(key, h, r, uint8_t(step)), digest);
  if (!fresh && it->second != digest)
    violate("double sign: honest key " + key.hex().substr(0, 8) + " signed two messages at " + std::to_string(h) +
            "/" + std::to_string(r) + "/" + std::to_string(int(step)));
  auto& rel = released_[key];
  rel = std::max(rel, pos);
}

void Checker::on_evidence(const pb::Evidence& ev, const bft::ValidatorSet& set, bool accused_is_byzantine) {
  ++evidence_;
  if (auto v = bft::verify_evidence(ev, set, chain_id_, cache_); !v)
    violate("evidence: a node produced invalid evidence: " + v.error().message);
  else if (!accused_is_byzantine)
    violate("evidence: an honest validator was accused of double signing");
}

void Checker::on_node_state(uint32_t node, uint64_t ledger_height, uint64_t engine_height,
                            std::optional<std::tuple<uint64_t, uint32_t, uint8_t>> signer_position) {
  NodeMark& m = nodes_[node];
  std::string who = "node " + std::to_string(node);
  if (ledger_height < m.ledger) violate("monotonic: " + who + "'s ledger height went back");
  if (engine_height < m.engine) violate("monotonic: " + who + "'s consensus height went back");
  m.ledger = ledger_height;
  m.engine = engine_height;
  if (signer_position) {
    if (*signer_position < m.signer) violate("monotonic: " + who + "'s signer state went back");
    m.signer = *signer_position;
  }
}

}  // namespace ghost::sim
