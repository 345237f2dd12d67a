// The simulator's ledger: a chain of blocks whose only transactions are opaque payloads and
// stake changes, with validator sets recomputed from stakes at epoch boundaries and CometBFT
// proposer priorities carried from height to height. It implements the engine's BftApp and
// checks each block the way the real ledger will (height, parent, validator-set hash, the
// carried commit of the previous block), and takes the stake of validators proven to have
// double-signed.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "consensus/bft/engine.h"

namespace ghost::sim {

struct ChainSpec {
  std::string chain_id = "ghost-sim";
  uint64_t epoch_length = 4;  // validator sets change after heights divisible by this
  size_t max_validators = 100;
  std::vector<PublicKey> keys;      // every key that may ever validate
  std::vector<uint64_t> stakes;     // genesis stake per key (0 = not a validator)
  std::vector<bool> byzantine;      // per key; the sim keeps their power below 1/3
  bool byzantine_bound = true;      // false only for the checker's self-test (SimConfig::byzantine)
};

class SimLedger : public bft::BftApp {
 public:
  // `salt` makes this node's proposals its own (twins sharing a key propose different blocks);
  // `propose_invalid` makes every third proposal carry an invalid transaction.
  SimLedger(const ChainSpec& spec, const PublicKey& me, uint64_t salt, bool propose_invalid,
            SigCache* cache);

  const bft::ValidatorSet& validators(uint64_t height) override;
  pb::Block propose_block(uint64_t height, uint32_t round) override;
  // The block this node would propose if its mempool were seeded with `salt` (equivocation).
  pb::Block propose_with_salt(uint64_t height, uint32_t round, uint64_t salt);
  Hash32 block_hash(const pb::Block& block) override;

  Result<void> validate(const pb::Block& block) const;
  // Duplicate-vote evidence this node found; proposals carry it, and a block with valid
  // evidence takes the validator's whole stake (it leaves at the next epoch).
  void add_evidence(const pb::Evidence& ev);
  void apply(const pb::Block& block, const pb::Commit& commit);

  uint64_t height() const { return blocks_.size(); }
  const pb::Block& block(uint64_t h) const { return blocks_.at(h - 1); }
  const pb::Commit& commit(uint64_t h) const { return commits_.at(h - 1); }
  const bft::ValidatorSet& set_at(uint64_t h) const { return sets_.at(h); }

 private:
  Result<std::vector<uint64_t>> stakes_after(const pb::Block& block) const;
  bool byzantine_below_third(const std::vector<uint64_t>& stakes) const;
  bft::ValidatorSet top_set(const std::vector<uint64_t>& stakes) const;

  const ChainSpec* spec_;
  PublicKey me_;
  uint64_t salt_;
  bool propose_invalid_;
  SigCache* cache_;
  std::vector<uint64_t> stakes_;
  std::vector<pb::Block> blocks_;
  std::vector<pb::Commit> commits_;
  std::map<uint64_t, bft::ValidatorSet> sets_;
  std::vector<pb::Evidence> evidence_pool_;
  std::set<std::string> punished_;  // validator keys
};

}  // namespace ghost::sim
