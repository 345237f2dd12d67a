// One simulated node: the BFT engine driven the way ghostd drives it (WAL first, own
// messages synced before sending, timeouts and block validation as later events), a ledger,
// and a store that survives crashes only as far as it was synced. Byzantine roles:
// an equivocator signs a conflicting twin of every message and splits the peers between
// them; a twin is an honest node that shares its key with another honest node.
#pragma once

#include <functional>
#include <memory>
#include <random>

#include "consensus/bft/wal.h"
#include "tests/sim/sim_checker.h"
#include "tests/sim/sim_ledger.h"
#include "tests/sim/sim_store.h"

namespace ghost::sim {

struct Status {
  uint64_t height = 0;  // the height the sender's engine is at
};
using Message = std::variant<pb::SignedProposal, pb::SignedVote, Status, bft::SyncedBlock>;

class NodeHost {
 public:
  virtual ~NodeHost() = default;
  virtual uint64_t now() const = 0;
  virtual void after(uint64_t delay_ms, std::function<void()> fn) = 0;
  virtual void send(uint32_t from, uint32_t to, const Message& m) = 0;
  virtual void broadcast(uint32_t from, const Message& m) = 0;
  virtual size_t node_count() const = 0;
  virtual Checker& checker() = 0;
  virtual std::mt19937_64& rng() = 0;
  virtual void crashed(uint32_t node) = 0;  // an injected crash fired; the host restarts it later
};

enum class Role { kHonest, kEquivocator, kTwin };

struct NodeSpec {
  uint32_t id = 0;
  size_t key_index = 0;
  PrivateKey key;
  Role role = Role::kHonest;
};

class Node {
 public:
  Node(NodeHost& host, const ChainSpec& chain, NodeSpec spec, bft::EngineConfig config,
       SigCache* cache);

  void boot();                  // open signer and WAL, start the height after the ledger's, replay
  void crash(bool torn);        // lose everything not durable
  void deliver(uint32_t from, const Message& m);
  void gossip();                // status + re-send of this height's own messages (lossy links)
  // Crash at the n-th WAL write once the engine reaches `height`.
  void arm_wal_crash(uint64_t height, uint64_t n) { wal_crash_ = {height, n}; }

  uint32_t id() const { return spec_.id; }
  bool up() const { return engine_ != nullptr; }
  bool honest_key() const { return spec_.role == Role::kHonest; }
  Role role() const { return spec_.role; }
  void crash_at_wal_write(uint64_t n) { store_.crash_at_write("wal", n); }
  uint64_t ledger_height() const { return ledger_.height(); }
  uint64_t last_decision_ms() const { return last_decision_ms_; }
  uint64_t wal_writes_at_height() const { return wal_writes_at_height_; }
  std::string describe() const;  // one line of state, for replaying a failing seed

 private:
  void feed(const bft::Input& in, bool log);
  void run(const std::function<void()>& body);  // turns an injected crash into a crash
  void carry_out(std::vector<bft::Output> outs);
  void release(const Message& m);
  void equivocate(const Message& m);
  void after_event();

  NodeHost* host_;
  const ChainSpec* chain_;
  NodeSpec spec_;
  bft::EngineConfig config_;
  SigCache* cache_;
  SimLedger ledger_;
  MemStore store_;
  std::optional<bft::Signer> signer_;
  std::optional<bft::Wal> wal_;
  std::unique_ptr<bft::Engine> engine_;
  uint64_t incarnation_ = 0;
  std::vector<Message> own_;  // this height's own messages, re-sent on gossip
  uint64_t last_decision_ms_ = 0;
  std::optional<std::pair<uint64_t, uint64_t>> wal_crash_;
  bool wal_crash_armed_ = false;
  uint64_t wal_writes_start_ = 0, wal_writes_at_height_ = 0;
};

}  // namespace ghost::sim
