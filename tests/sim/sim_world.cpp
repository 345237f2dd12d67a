#include "tests/sim/sim_world.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "tests/sim/sim_node.h"

namespace ghost::sim {

namespace {

class World : public NodeHost {
 public:
  explicit World(const SimConfig& cfg);
  SimResult run();

  uint64_t now() const override { return now_; }
  void after(uint64_t delay_ms, std::function<void()> fn) override { queue_.push({now_ + delay_ms, seq_++, std::move(fn)}); }
  void send(uint32_t from, uint32_t to, const Message& m) override;
  void broadcast(uint32_t from, const Message& m) override {
    for (uint32_t to = 0; to < nodes_.size(); ++to)
      if (to != from) send(from, to, m);
  }
  size_t node_count() const override { return nodes_.size(); }
  Checker& checker() override { return checker_; }
  std::mt19937_64& rng() override { return rng_; }
  void crashed(uint32_t node) override;

 private:
  struct Event {
    uint64_t time, seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return std::tie(time, seq) > std::tie(o.time, o.seq); }
  };
  struct Partition {
    uint64_t from, to;
    std::vector<bool> side;
  };

  bool faulty() const { return cfg_.faults && now_ < cfg_.fault_ms; }
  uint64_t pick(std::initializer_list<uint64_t> choices) { return choices.begin()[rng_() % choices.size()]; }
  void build_network();
  void plan_faults();
  void gossip_loop(uint32_t node);

  SimConfig cfg_;
  std::mt19937_64 rng_;
  SigCache cache_;
  ChainSpec chain_;
  Checker checker_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  uint64_t now_ = 0, seq_ = 0, crashes_ = 0;
  double loss_ = 0, dup_ = 0;
  uint64_t jitter_ = 40;
  std::vector<Partition> partitions_;
};

World::World(const SimConfig& cfg) : cfg_(cfg), rng_(cfg.seed), checker_(chain_.chain_id, &cache_) {
  build_network();
  if (cfg_.faults) plan_faults();
}

void World::build_network() {
  size_t keys = cfg_.validators + cfg_.spares;
  std::vector<PrivateKey> priv;
  for (size_t i = 0; i < keys; ++i) {
    priv.push_back(PrivateKey::from_seed("ghost-sim-validator-" + std::to_string(i)));
    chain_.keys.push_back(priv.back().public_key());
    chain_.stakes.push_back(i < cfg_.validators ? 100 : 0);
    chain_.byzantine.push_back(false);
  }
  chain_.max_validators = cfg_.validators;
  std::vector<Role> roles(keys, Role::kHonest);
  if (cfg_.faults || cfg_.byzantine) {
    size_t f = (cfg_.validators - 1) / 3, byz = cfg_.faults ? rng_() % (f + 1) : 0;
    if (cfg_.byzantine) {
      byz = std::min(*cfg_.byzantine, cfg_.validators);
      chain_.byzantine_bound = 3 * byz < cfg_.validators;
    }
    for (size_t b = 0; b < byz; ++b) {
      size_t k;
      do k = rng_() % cfg_.validators;
      while (chain_.byzantine[k]);
      chain_.byzantine[k] = true;
      roles[k] = rng_() % 2 ? Role::kTwin : Role::kEquivocator;
    }
  }
  bft::EngineConfig ec;
  ec.chain_id = chain_.chain_id;
  for (size_t k = 0; k < keys; ++k) {
    for (int copy = 0; copy < (roles[k] == Role::kTwin ? 2 : 1); ++copy) {
      uint32_t id = uint32_t(nodes_.size());
      nodes_.push_back(std::make_unique<Node>(*this, chain_, NodeSpec{id, k, priv[k], roles[k]}, ec, &cache_));
    }
  }
  if (cfg_.wal_crash) nodes_[0]->arm_wal_crash(cfg_.wal_crash->first, cfg_.wal_crash->second);
}

void World::plan_faults() {
  loss_ = double(pick({0, 2, 10, 25})) / 100;
  dup_ = double(pick({0, 5, 20})) / 100;
  jitter_ = pick({40, 300, 1500});
  for (int i = 0, n = int(rng_() % 3); i < n; ++i) {
    Partition p;
    p.from = rng_() % cfg_.fault_ms;
    p.to = p.from + 1000 + rng_() % 6000;
    for (size_t k = 0; k < nodes_.size(); ++k) p.side.push_back(rng_() % 2);
    partitions_.push_back(p);
  }
  for (auto& node : nodes_) {
    Node* n = node.get();
    if (rng_() % 3 == 0) {  // a timed crash and restart
      uint64_t at = rng_() % (cfg_.fault_ms - 1000), down = 200 + rng_() % 3000;
      bool torn = rng_() % 2;
      after(at, [this, n, torn] {
        if (!n->up()) return;
        n->crash(torn);
        ++crashes_;
      });
      after(std::min(at + down, cfg_.fault_ms), [n] { n->boot(); });
    }
    if (rng_() % 4 == 0) {  // a crash at some later WAL write
      uint64_t at = rng_() % (cfg_.fault_ms - 1000), nth = 1 + rng_() % 30;
      after(at, [n, nth] { n->crash_at_wal_write(nth); });
    }
  }
  after(cfg_.fault_ms, [this] {  // faults stop: disarm pending crashes, everyone back up
    for (auto& n : nodes_) {
      n->crash_at_wal_write(0);
      n->boot();
    }
  });
}

void World::crashed(uint32_t node) {
  ++crashes_;
  uint64_t down = 100 + rng_() % 2000;
  if (faulty()) down = std::min(down, cfg_.fault_ms - now_);
  after(down, [this, node] { nodes_[node]->boot(); });
}

void World::send(uint32_t from, uint32_t to, const Message& m) {
  uint64_t delay = 5 + rng_() % 40;
  if (faulty()) {
    for (const auto& p : partitions_)
      if (now_ >= p.from && now_ < p.to && p.side[from] != p.side[to]) return;
    if (double(rng_() % 10000) / 10000 < loss_) return;
    delay = 5 + rng_() % jitter_;
    if (double(rng_() % 10000) / 10000 < dup_)
      after(5 + rng_() % jitter_, [this, from, to, m] { nodes_[to]->deliver(from, m); });
  }
  after(delay, [this, from, to, m] { nodes_[to]->deliver(from, m); });
}

void World::gossip_loop(uint32_t node) {
  after(1000 + rng_() % 100, [this, node] {
    nodes_[node]->gossip();
    gossip_loop(node);
  });
}

SimResult World::run() {
  uint64_t end = (cfg_.faults ? cfg_.fault_ms : 0) + cfg_.liveness_ms;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    after(rng_() % 50, [this, i] { nodes_[i]->boot(); });
    gossip_loop(i);
  }
  SimResult r;
  uint64_t faults_end = cfg_.faults ? cfg_.fault_ms : 0;
  // Past the faults, stop as soon as every honest node has decided again.
  auto all_decided_again = [&] {
    for (const auto& n : nodes_)
      if (n->role() != Role::kEquivocator && n->last_decision_ms() <= faults_end) return false;
    return true;
  };
  while (!queue_.empty() && !checker_.violation()) {
    if (queue_.top().time > end) break;
    if (cfg_.stop_when_live && now_ > faults_end && r.events % 64 == 0 && all_decided_again()) break;
    now_ = queue_.top().time;
    auto fn = std::move(const_cast<Event&>(queue_.top()).fn);
    queue_.pop();
    fn();
    ++r.events;
  }
  r.min_honest_height = UINT64_MAX;
  for (const auto& n : nodes_) {
    if (n->role() == Role::kEquivocator) continue;
    r.min_honest_height = std::min(r.min_honest_height, n->ledger_height());
    if (!checker_.violation() && n->last_decision_ms() <= faults_end)
      checker_.violate("liveness: node " + std::to_string(n->id()) + " decided nothing in the " +
                       std::to_string(cfg_.liveness_ms) + " ms after faults stopped (at height " +
                       std::to_string(n->ledger_height()) + ")");
  }
  if (cfg_.verbose) {
    std::printf("seed %llu: loss %.2f dup %.2f jitter %llu ms, %zu partitions\n", (unsigned long long)cfg_.seed, loss_,
                dup_, (unsigned long long)jitter_, partitions_.size());
    for (const auto& p : partitions_) std::printf("  partition %llu..%llu ms\n", (unsigned long long)p.from, (unsigned long long)p.to);
    for (const auto& n : nodes_) std::printf("  %s\n", n->describe().c_str());
  }
  r.violation = checker_.violation();
  if (r.violation) r.violation = "t=" + std::to_string(now_) + "ms " + *r.violation;
  r.max_height = checker_.max_height();
  r.virtual_ms = now_;
  r.crashes = crashes_;
  r.evidence = checker_.evidence_count();
  r.wal_writes_at_height = nodes_[0]->wal_writes_at_height();
  return r;
}

}  // namespace

SimResult run_simulation(const SimConfig& config) {
  World w(config);
  return w.run();
}

}  // namespace ghost::sim
