// The spec's world in the engine's terms: processes p1..p4 are validators of equal power
// whose starting priorities make the engine's own weighted round robin elect the spec's
// PROPOSER of every round; values v0, v1, v2 are distinct blocks, valid exactly when the
// spec's valid() says so; spec messages become messages signed with their sender's key.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "consensus/bft/engine.h"
#include "tests/conformance/itf.h"

namespace ghost::mbt {

inline constexpr const char* kChainId = "mbt-tendermint";
inline constexpr uint64_t kHeight = 1;  // the spec models one height

// The constants of one of the spec's modules (the end of spec/tendermint.qnt).
struct Module {
  std::string name;
  std::set<std::string> correct;
  std::vector<std::string> proposer;  // per round
  std::vector<std::string> values;    // per round
  // A value is valid iff a correct process proposes it in some round.
  bool valid(const std::string& value) const;
};

// The module a trace comes from, told by who proposes round 0 in its init state.
Result<const Module*> module_of(const Trace& trace);

class World : public bft::BftApp {
 public:
  static Result<std::unique_ptr<World>> make(const Module& module);

  const bft::ValidatorSet& validators(uint64_t height) override;
  pb::Block propose_block(uint64_t height, uint32_t round) override;
  Hash32 block_hash(const pb::Block& block) override;

  const Module& module() const { return *module_; }
  const PrivateKey& key(const std::string& process) const { return keys_.at(process); }
  Hash32 hash_of(const std::string& value) const { return block_hash_of(block_of(value)); }
  // The value a block hash stands for ("nil" for none, "?<hex>" for a block of no value).
  std::string name_of(const bft::VoteValue& v) const;
  // `m` as its sender signs it (a proposal carries its block).
  bft::Input sign(const SpecMsg& m) const;
  // What a broadcast output says in the spec's terms.
  SpecMsg to_spec(const bft::Output& broadcast) const;

 private:
  explicit World(const Module& module);
  static pb::Block block_of(const std::string& value);
  static Hash32 block_hash_of(const pb::Block& block);

  const Module* module_;
  std::map<std::string, PrivateKey> keys_;
  std::map<Hash32, std::string> names_;
  bft::ValidatorSet set_;
};

}  // namespace ghost::mbt
