// The worker (node/worker/worker.h) over a real ledger, a real model folder and its real answer
// log: results for several jobs in flight, the bounded queue, and a crash after submitting.
// The node's tx path is stood in for by a list of the submitted txs, which the test puts in
// the next block.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "node/worker/worker.h"
#include "tests/unit/worker/worker_kit.h"

namespace ghost::worker {
namespace {

using namespace test;
constexpr uint64_t kMaxFee = 80'000;

struct Rig {
  explicit Rig(int workers = 1, uint64_t challenge_blocks = 0) : f(workers, challenge_blocks) {}
  JobChain f;  // one worker by default: every job is worker 0's
  TempDir d;
  std::filesystem::path folder = build_folder(d);
  boost::asio::io_context core;
  metrics::Registry metrics;
  std::vector<Bytes> submitted, gossiped;
  uint64_t peers_height = 0;  // what the peers report

  std::unique_ptr<Worker> open(uint32_t queue = 64, const PrivateKey& key = worker_op(0)) {
    WorkerConfig c;
    c.model_dirs = {folder.string()};
    c.queue = queue;
    c.threads = 1;
    Host host;
    host.ledger = &f.chain.ledger();
    host.chain_id = kChain;
    host.submit = [this](Bytes raw, std::function<void(bool, std::string)> done) {
      submitted.push_back(std::move(raw));
      done(true, "");
      return true;
    };
    host.pending = [](const Hash32&) { return true; };
    host.gossip = [this](const Bytes& raw) { gossiped.push_back(raw); };
    host.peers_height = [this] { return peers_height; };
    host.block_at = [this](uint64_t h) { return f.block_at(h); };
    auto w = Worker::open(c, d.path, d.path / "answers", key, core, host, metrics);
    if (!w) throw std::runtime_error(w.error().message);
    return std::move(*w);
  }
  // `n` requests in one block (all worker 0's); returns that block.
  std::pair<pb::Block, pb::BlockResults> requests_for_worker0(size_t n) {
    std::vector<Bytes> txs;
    for (uint64_t seed = 0; txs.size() < n; ++seed)
      txs.push_back(f.chain.tx(user(1), body::request(f.model.id(), f.model.input(seed), kMaxFee)));
    auto made = f.block(txs);
    EXPECT_EQ(read_block(f.chain.ledger(), made.first, made.second, addr(worker_op(0))).assigned.size(), n);
    return made;
  }
  void commit(Worker& w, const std::pair<pb::Block, pb::BlockResults>& b) {
    std::vector<Hash32> ids;
    for (const auto& t : b.first.txs()) ids.push_back(ledger::tx_id(as_bytes(t)));
    w.on_commit(b.first, b.second, ids);
  }
  // Runs the core thread until `n` txs were submitted (or 20 s passed).
  void until_submitted(size_t n) {
    auto busy = boost::asio::make_work_guard(core);  // the answers come from the worker's threads
    for (int i = 0; i < 400 && submitted.size() < n; ++i) {
      core.restart();
      core.run_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(submitted.size(), n);
  }
  uint64_t jobs(const char* outcome) {
    return metrics.counter("ghost_worker_jobs_total", "", {{"kind", "inference"}, {"outcome", outcome}}).value();
  }
};

size_t assigned_to_worker0(const ledger::Ledger& l) { return open_jobs(l, addr(worker_op(0))).size(); }

TEST(Worker, ResultsInFlightTakeConsecutiveNoncesAndAreAllAccepted) {
  Rig r;
  auto w = r.open();
  w->start();
  auto b = r.requests_for_worker0(3);
  const size_t n = assigned_to_worker0(r.f.chain.ledger());
  r.commit(*w, b);
  r.until_submitted(n);
  std::set<uint64_t> nonces;
  for (const auto& raw : r.submitted) nonces.insert(pb::decode_as<pb::TxEnvelope>(raw)->nonce());
  EXPECT_EQ(nonces.size(), n);
  EXPECT_EQ(*nonces.begin(), r.f.chain.ledger().account(addr(worker_op(0))).nonce());
  EXPECT_EQ(*nonces.rbegin(), *nonces.begin() + n - 1);

  auto results = r.f.block(r.submitted);
  for (const auto& receipt : results.second.receipts()) EXPECT_EQ(receipt.status(), pb::OK) << receipt.reason();
  r.commit(*w, results);
  EXPECT_EQ(r.jobs("accepted"), n);
  EXPECT_EQ(assigned_to_worker0(r.f.chain.ledger()), 0u);
}

TEST(Worker, AnAnswerLeftPendingIsSentToThePeersAgain) {
  Rig r;
  auto w = r.open();
  w->start();
  auto b = r.requests_for_worker0(1);
  const size_t n = assigned_to_worker0(r.f.chain.ledger());
  r.commit(*w, b);
  r.until_submitted(n);
  for (int i = 0; i < 3; ++i) r.commit(*w, r.f.block({}));
  EXPECT_TRUE(r.gossiped.empty()) << "not before 4 blocks";
  r.commit(*w, r.f.block({}));
  std::set<std::string> sent, again;
  for (const auto& t : r.submitted) sent.insert(ledger::tx_id(t).hex());
  for (const auto& t : r.gossiped) again.insert(ledger::tx_id(t).hex());
  EXPECT_EQ(sent, again);
}

TEST(Worker, JobsPastTheirDeadlineOnThePeersChainAreNotAnswered) {
  Rig r;
  auto w = r.open();
  w->start();
  auto b = r.requests_for_worker0(2);
  const size_t n = assigned_to_worker0(r.f.chain.ledger());
  r.peers_height = r.f.chain.ledger().height() + 1000;  // this node is replaying old blocks
  r.commit(*w, b);
  EXPECT_EQ(r.jobs("late"), n);
  r.core.run_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(r.submitted.empty());
}

TEST(Worker, AFullQueueDropsAndCountsInsteadOfWaiting) {
  Rig r;
  auto w = r.open(/*queue=*/2);
  w->start();
  auto b = r.requests_for_worker0(5);
  const size_t n = assigned_to_worker0(r.f.chain.ledger());
  r.commit(*w, b);  // enqueues all at once on the core thread: the first two fit
  EXPECT_EQ(r.jobs("dropped"), n - 2);
  r.until_submitted(2);
}

TEST(Worker, ARestartResubmitsTheLoggedAnswersInsteadOfAnsweringAgain) {
  Rig r;
  auto b = r.requests_for_worker0(3);
  const size_t n = assigned_to_worker0(r.f.chain.ledger());
  {
    auto w = r.open();
    w->start();  // recovers the open jobs from the state
    r.until_submitted(n);
  }  // "crash": nothing of it reached a block
  const std::vector<Bytes> first = r.submitted;
  r.submitted.clear();
  auto w = r.open();
  w->start();
  r.until_submitted(n);
  std::set<std::string> a, again;  // tx ids
  for (const auto& t : first) a.insert(ledger::tx_id(t).hex());
  for (const auto& t : r.submitted) again.insert(ledger::tx_id(t).hex());
  EXPECT_EQ(a, again) << "the same signed answers, not new ones";
  EXPECT_EQ(r.jobs("resubmitted"), n);
  // Only the worker's answers land (a resubmitted copy would be refused for its nonce).
  auto results = r.f.block(r.submitted);
  for (const auto& receipt : results.second.receipts()) EXPECT_EQ(receipt.status(), pb::OK);
  EXPECT_EQ(r.f.chain.ledger().account(addr(worker_op(0))).nonce(), n);
}

TEST(Worker, AKeyNotStakedYetServesOnceABlockBringsItsStake) {
  Rig r;
  const PrivateKey late = PrivateKey::from_seed("late worker");
  auto w = r.open(64, late);  // no stake in the state: opened, serving nothing yet
  w->start();
  auto served = [&] { return r.metrics.gauge("ghost_worker_models_served", "").value(); };
  EXPECT_EQ(served(), 0);
  r.commit(*w, r.f.block({r.f.chain.tx(user(2), body::transfer(addr(late), 200 * GC))}));
  EXPECT_EQ(served(), 0);
  r.commit(*w, r.f.block({r.f.chain.tx(late, body::stake_worker(150 * GC, {r.f.model.id()}, 50'000))}));
  ASSERT_TRUE(r.f.chain.ledger().stake(pb::WORKER, addr(late)));
  EXPECT_EQ(served(), 1);
}

// Two workers: the other one's training step (from a degraded forward pass, a provable fault)
// is on chain, and this one serves the folder, caught up with that step.
struct CheatedStep {
  Rig r{2, 20};  // the step stays challengeable while this worker gets a job
  const std::vector<float> target = {0, 1, 0, 0};
  Hash32 bad;
  pb::TrainProof cheat;
  pb::SearchFraudProof fraud;
  PrivateKey honest = worker_op(0);
  std::unique_ptr<Worker> w;

  CheatedStep() {
    bad = train_request(30).first;
    const PrivateKey cheater = r.f.worker_of(bad);
    if (cheater.public_key() == honest.public_key()) honest = worker_op(1);
    cheat = r.f.model.train(r.f.model.input(30), target, 0.5f, /*drop=*/3);
    fraud = *r.f.model.fraud(cheat.forward());
    EXPECT_EQ(r.f.block({r.f.chain.tx(cheater, body::train_result(bad, cheat))}).second.receipts(0).status(), pb::OK);
    w = r.open(64, honest);  // catches up: the folder applies the step from the block
    w->start();
  }
  std::pair<Hash32, std::pair<pb::Block, pb::BlockResults>> train_request(uint64_t seed) {
    Bytes req = r.f.chain.tx(user(0), body::train_request(r.f.model.id(), r.f.model.input(seed), target, 0.5f, kMaxFee));
    auto made = r.f.block({req});
    EXPECT_EQ(made.second.receipts(0).status(), pb::OK) << made.second.receipts(0).reason();
    return {ledger::tx_id(req), made};
  }
  // Training requests committed (and handed to the worker) until one is this worker's.
  Hash32 job_of_this_worker() {
    for (uint64_t seed = 31; seed < 60; ++seed) {
      auto [id, made] = train_request(seed);
      r.commit(*w, made);
      if (r.f.worker_of(id).public_key() == honest.public_key()) return id;
    }
    ADD_FAILURE() << "no training job reached this worker";
    return {};
  }
  Bytes challenge() { return r.f.chain.tx(user(5), body::challenge(bad, cheat.forward(), fraud)); }
  uint64_t counted(const char* name) { return r.metrics.counter(name, "").value(); }
  void until_counted(const char* name, uint64_t n) {
    auto busy = boost::asio::make_work_guard(r.core);
    for (int i = 0; i < 400 && counted(name) < n; ++i) {
      r.core.restart();
      r.core.run_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(counted(name), n) << name;
  }
};

TEST(Worker, AProvenFraudInATrainingStepReturnsTheServedModelToItsStartWithoutARestart) {
  CheatedStep c;
  ASSERT_EQ(c.counted("ghost_worker_steps_applied_total"), 1u);
  c.r.commit(*c.w, c.r.f.block({c.challenge()}));
  ASSERT_EQ(c.r.f.chain.ledger().model(c.r.f.model.id())->version(), 0u);
  c.until_counted("ghost_worker_rollbacks_total", 1);

  // The next step of this worker starts from version 0 again, and the chain takes it.
  const Hash32 job = c.job_of_this_worker();
  c.r.until_submitted(1);
  auto results = c.r.f.block(c.r.submitted);
  ASSERT_EQ(results.second.receipts(0).status(), pb::OK) << results.second.receipts(0).reason();
  EXPECT_EQ(c.r.f.chain.ledger().job(job)->version(), 0u);
  c.r.commit(*c.w, results);
  c.until_counted("ghost_worker_steps_applied_total", 2);
  EXPECT_EQ(c.r.metrics.counter("ghost_worker_failures_total", "", {{"reason", "roll_back"}}).value(), 0u);
}

TEST(Worker, AStepComputedFromADiscardedVersionIsAnsweredAgainFromTheOneRolledBackTo) {
  CheatedStep c;
  const Hash32 job = c.job_of_this_worker();
  c.r.until_submitted(1);  // from version 1, which the challenge ahead of it in the block discards
  auto refused = c.r.f.block({c.challenge(), c.r.submitted[0]});
  ASSERT_EQ(refused.second.receipts(0).status(), pb::OK) << refused.second.receipts(0).reason();
  ASSERT_EQ(refused.second.receipts(1).status(), pb::VERSION_MISMATCH);
  c.r.commit(*c.w, refused);
  c.r.until_submitted(2);
  auto results = c.r.f.block({c.r.submitted[1]});
  ASSERT_EQ(results.second.receipts(0).status(), pb::OK) << results.second.receipts(0).reason();
  EXPECT_EQ(c.r.f.chain.ledger().job(job)->version(), 0u);
  EXPECT_EQ(c.counted("ghost_worker_rollbacks_total"), 1u);
}

TEST(Worker, FolderOfUnknownWeightsIsRefusedAndNothingServedIsAnError) {
  Rig r;
  WorkerConfig c;
  c.model_dirs = {build_folder(r.d, 9).string()};
  Host host;
  host.ledger = &r.f.chain.ledger();
  auto w = Worker::open(c, r.d.path, r.d.path / "answers", worker_op(0), r.core, host, r.metrics);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kMismatch);
  c.model_dirs.clear();
  w = Worker::open(c, r.d.path, r.d.path / "answers", worker_op(0), r.core, host, r.metrics);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("worker.model_dirs"), std::string::npos);
}

}  // namespace
}  // namespace ghost::worker
