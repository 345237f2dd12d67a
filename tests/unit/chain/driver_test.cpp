// The consensus driver (node/chain/driver.h) with four validators in one process: the real
// engine, WAL, signer, ledger and block store, connected by posting envelopes to each other
// instead of sockets. Checks agreement, commits of submitted txs, restart from disk, block
// sync of a node that was down, and that duplicate votes become evidence.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <limits>
#include <set>

#include "node/chain/driver.h"
#include "node/chain/durable_dir.h"
#include "tests/unit/chain/chain_kit.h"

namespace ghost::chain {
namespace {

namespace asio = boost::asio;
using namespace kit;

pb::Genesis fast_genesis(bool test_modes = false) {
  pb::Genesis g = test_genesis();
  auto* p = g.mutable_params();
  p->set_timeout_propose_ms(300);
  p->set_timeout_prevote_ms(100);
  p->set_timeout_precommit_ms(100);
  p->set_timeout_delta_ms(100);
  p->set_timeout_commit_ms(20);
  g.set_test_modes(test_modes);
  return g;
}

struct Net;

struct Member : Peers {
  Net* net = nullptr;
  int id = 0;
  bool up = false;
  test::TempDir dir{"driver"};
  metrics::Registry metrics;
  std::unique_ptr<mempool::Mempool> pool;
  std::unique_ptr<Chain> chain;
  std::unique_ptr<DurableDir> durable;
  std::unique_ptr<Driver> driver;
  std::vector<pb::Evidence> evidence;
  std::vector<std::pair<PublicKey, Fault>> punished;

  void broadcast(pb::Envelope env, std::optional<PublicKey> except) override;
  void send(const PublicKey& peer, pb::Envelope env) override;
  void punish(const PublicKey& peer, Fault fault, std::string) override { punished.push_back({peer, fault}); }
  PublicKey key() const { return consensus_key(id).public_key(); }
};

struct Net {
  asio::io_context io;
  asio::thread_pool work{2};
  pb::Genesis genesis;
  std::vector<std::unique_ptr<Member>> members;
  DriverConfig config;

  explicit Net(pb::Genesis g, int n = 4) : genesis(std::move(g)) {
    config.timeouts.propose_ms = genesis.params().timeout_propose_ms();
    config.timeouts.prevote_ms = genesis.params().timeout_prevote_ms();
    config.timeouts.precommit_ms = genesis.params().timeout_precommit_ms();
    config.timeouts.propose_delta_ms = config.timeouts.prevote_delta_ms = config.timeouts.precommit_delta_ms =
        genesis.params().timeout_delta_ms();
    config.timeouts.commit_ms = genesis.params().timeout_commit_ms();
    config.resend_ms = 200;
    config.status_ms = 100;
    for (int i = 0; i < n; ++i) {
      members.push_back(std::make_unique<Member>());
      members.back()->net = this;
      members.back()->id = i;
    }
  }
  ~Net() {
    for (auto& m : members) down(*m);
    work.join();
  }

  void up(Member& m, bool equivocate = false) {
    m.pool = std::make_unique<mempool::Mempool>(mempool::Config{}, m.metrics);
    ChainOptions o;
    o.now_ms = [] {
      return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
    };
    auto c = Chain::open(m.dir.path / "blocks", m.dir.path / "state", genesis, std::make_shared<SigCache>(), *m.pool,
                         m.key(), o);
    ASSERT_TRUE(c) << c.error().message;
    m.chain = std::move(*c);
    auto d = DurableDir::open(m.dir.path / "consensus");
    ASSERT_TRUE(d);
    m.durable = std::move(*d);
    DriverConfig dc = config;
    dc.equivocate = equivocate;
    Driver::Events ev;
    ev.on_evidence = [&m](const pb::Evidence& e) { m.evidence.push_back(e); };
    ev.on_fatal = [](const Error& e) { ADD_FAILURE() << "fatal: " << e.message; };
    m.driver = std::make_unique<Driver>(io, work, *m.chain, m, *m.durable, consensus_key(m.id), std::make_shared<SigCache>(),
                                        dc, ev, m.metrics);
    auto s = m.driver->start();
    ASSERT_TRUE(s) << s.error().message;
    m.up = true;
    for (auto& other : members)
      if (other.get() != &m && other->up) {
        other->driver->on_peer(m.key(), m.chain->height());
        m.driver->on_peer(other->key(), other->chain->height());
      }
  }
  void down(Member& m) {
    if (!m.up) return;
    m.up = false;
    m.driver->stop();
    for (auto& other : members)
      if (other->up) other->driver->on_peer_gone(m.key());
    // Let in-flight checks of the work pool finish before the chain they read goes away.
    io.run_for(std::chrono::milliseconds(50));
    m.driver.reset();
    m.durable.reset();
    m.chain.reset();
    m.pool.reset();
  }
  void deliver(int from, int to, pb::Envelope env) {
    asio::post(io, [this, from, to, env = std::move(env)] {
      Member& m = *members[size_t(to)];
      if (m.up && members[size_t(from)]->up) m.driver->on_message(members[size_t(from)]->key(), env);
    });
  }
  // Runs until every up member committed `height`, or fails after the deadline.
  bool run_until(uint64_t height, std::chrono::seconds deadline = std::chrono::seconds(60)) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      io.run_for(std::chrono::milliseconds(20));
      bool all = true;
      for (auto& m : members)
        if (m->up && m->chain->height() < height) all = false;
      if (all) return true;
    }
    return false;
  }
};

void Member::broadcast(pb::Envelope env, std::optional<PublicKey> except) {
  for (auto& other : net->members)
    if (other.get() != this && (!except || other->key() != *except)) net->deliver(id, other->id, env);
}
void Member::send(const PublicKey& peer, pb::Envelope env) {
  for (auto& other : net->members)
    if (other->key() == peer) net->deliver(id, other->id, env);
}

void expect_agreement(Net& net, uint64_t upto) {
  for (uint64_t h = 1; h <= upto; ++h) {
    std::set<std::string> hashes, apps;
    for (auto& m : net.members) {
      if (!m->up) continue;
      auto b = m->chain->store().block(h);
      ASSERT_TRUE(b) << "member " << m->id << " lacks block " << h;
      hashes.insert(header_hash(b->header()).hex());
      apps.insert(m->chain->store().results(h)->app_hash());
    }
    EXPECT_EQ(hashes.size(), 1u) << "height " << h;
    EXPECT_EQ(apps.size(), 1u) << "height " << h;
  }
}

TEST(Driver, FourValidatorsAgreeAndCommitSubmittedTxs) {
  Net net(fast_genesis());
  for (auto& m : net.members) net.up(*m);
  ASSERT_TRUE(net.run_until(3));
  // A transfer offered to one member's mempool reaches a block when that member proposes.
  Member& m0 = *net.members[0];
  Bytes raw = ledger::encode_tx(user(0), net.genesis.chain_id(), 0,
                                ledger::testkit::body::transfer(Address::of(user(5).public_key()), 42), net.genesis.params());
  auto checked = m0.chain->ledger().checker().check(raw);
  ASSERT_TRUE(checked);
  for (auto& m : net.members) ASSERT_TRUE(m->pool->add(*checked, raw, m->chain->state_view()).accepted());
  ASSERT_TRUE(net.run_until(m0.chain->height() + 3));
  EXPECT_TRUE(m0.chain->store().find_tx(ledger::tx_id(raw)));
  ASSERT_TRUE(net.run_until(12));
  expect_agreement(net, 12);
  for (auto& m : net.members) EXPECT_TRUE(m->punished.empty()) << m->id;
  for (auto& m : net.members) EXPECT_TRUE(m->evidence.empty()) << m->id;
}

TEST(Driver, RestartedValidatorResumesAndLaggingOneSyncs) {
  Net net(fast_genesis());
  for (auto& m : net.members) net.up(*m);
  ASSERT_TRUE(net.run_until(4));
  // Member 0 holds the least power (10%); down, the other three still hold more than 2/3.
  net.down(*net.members[0]);
  ASSERT_TRUE(net.run_until(net.members[1]->chain->height() + 8));
  const uint64_t ahead = net.members[1]->chain->height();
  net.up(*net.members[0]);
  ASSERT_TRUE(net.run_until(ahead + 2));
  EXPECT_GT(net.members[0]->metrics.counter("ghost_blocks_synced_total", "").value(), 0u);
  // Restart member 2 from its files: it comes back on the same chain.
  net.down(*net.members[2]);
  net.up(*net.members[2]);
  const uint64_t h = net.members[1]->chain->height();
  ASSERT_TRUE(net.run_until(h + 3));
  expect_agreement(net, h + 3);
}

TEST(Driver, AProposalFarRoundsAheadIsDroppedAtOnce) {
  // Finding a round's proposer takes a step per round: a peer's round number must not make
  // the core thread count to 2^32 before anything is checked.
  Net net(fast_genesis());
  for (auto& m : net.members) net.up(*m);
  ASSERT_TRUE(net.run_until(2));
  Member& m = *net.members[0];
  pb::Envelope env;
  auto* p = env.mutable_proposal();
  p->mutable_proposal()->set_height(m.chain->height() + 1);
  p->mutable_proposal()->set_round(std::numeric_limits<uint32_t>::max());
  p->mutable_proposal()->set_pol_round(-1);
  const auto start = std::chrono::steady_clock::now();
  m.driver->on_message(net.members[1]->key(), env);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  const uint64_t h = m.chain->height();
  ASSERT_TRUE(net.run_until(h + 2));
  expect_agreement(net, h + 2);
}

TEST(Driver, AnEquivocatingValidatorIsReported) {
  Net net(fast_genesis(true));
  for (size_t i = 0; i < 3; ++i) net.up(*net.members[i]);
  net.up(*net.members[3], /*equivocate=*/true);
  ASSERT_TRUE(net.run_until(3));
  size_t found = 0;
  for (size_t i = 0; i < 3; ++i)
    for (const auto& e : net.members[i]->evidence)
      found += e.vote_a().vote().validator() == std::string(reinterpret_cast<const char*>(consensus_key(3).public_key().bytes.data()), 32);
  EXPECT_GT(found, 0u);
}

}  // namespace
}  // namespace ghost::chain
