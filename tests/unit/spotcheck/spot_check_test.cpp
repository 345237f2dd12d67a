// The validator's spot-checker (node/spotcheck/): the sampling rule, the fraud rule against
// honest and cheating workers' answers (node/worker/cheat.h), and the checker following
// committed blocks of a real ledger until it submits a Challenge the chain accepts.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <thread>

#include "node/spotcheck/duty.h"
#include "node/spotcheck/fraud_check.h"
#include "node/spotcheck/sampling.h"
#include "node/spotcheck/spot_checker.h"
#include "node/worker/cheat.h"
#include "node/worker/served_model.h"
#include "tests/unit/worker/worker_kit.h"

namespace ghost::spotcheck {
namespace {

using namespace worker::test;
constexpr uint64_t kMaxFee = 80'000;
constexpr uint32_t kEvery = 1'000'000;

TEST(Sampling, TheRateIsTheShareOfAnswersSampled) {
  const Hash32 block = sha256("block");
  int hits = 0;
  for (int i = 0; i < 20'000; ++i) {
    const Hash32 job = sha256("job-" + std::to_string(i));
    EXPECT_TRUE(sampled(block, job, kEvery));
    EXPECT_FALSE(sampled(block, job, 0));
    hits += sampled(block, job, 100'000);
  }
  EXPECT_NEAR(hits, 2'000, 200);  // 10%, sd ~42
}

TEST(Sampling, TheNextBlocksHashDecides) {
  // The same job is sampled under some next blocks and not others: a worker cannot know.
  const Hash32 job = sha256("job");
  int hits = 0;
  for (int i = 0; i < 1'000; ++i) hits += sampled(sha256("block-" + std::to_string(i)), job, 500'000);
  EXPECT_GT(hits, 400);
  EXPECT_LT(hits, 600);
}

TEST(Sampling, TheComparisonIsExactAtTheBoundary) {
  // v = the first 8 bytes of H(block || job), big-endian; sampled iff v * 10^6 < rate * 2^64.
  const Hash32 block = sha256("b"), job = sha256("j");
  const Hash32 h = Sha256().update(block.span()).update(job.span()).final();
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | h.bytes[i];
  const uint32_t at = uint32_t(((unsigned __int128)v * 1'000'000 >> 64)) + 1;  // least rate sampling it
  EXPECT_TRUE(sampled(block, job, at));
  EXPECT_FALSE(sampled(block, job, at - 1));
}

// A chain sampling every answer, one worker serving the kit's model, and a checker's folder.
struct Rig {
  Rig() : chain(genesis()) {}
  pb::Genesis genesis() {
    pb::Genesis g = ledger::testkit::genesis_with(model, 1);
    g.mutable_params()->set_spot_check_rate_ppm(kEvery);
    g.mutable_params()->set_challenge_blocks(20);  // every backup's turn inside the window
    g.mutable_workers(0)->set_stake(1000 * GC);  // refused answers miss deadlines: stay eligible
    return g;
  }
  ledger::testkit::ServedModel model{addr(user(0))};
  Chain chain;
  TempDir dir;
  std::filesystem::path worker_dir = build_folder(dir);
  std::filesystem::path checker_dir = [this] {
    auto to = dir.path / "checker";
    if (auto ok = ml::Model::clone(worker_dir, to); !ok) throw std::runtime_error(ok.error().message);
    return to;
  }();
  std::unique_ptr<worker::ServedModel> served = [this] {
    auto s = worker::ServedModel::open(worker_dir, chain.ledger(), addr(worker_op(0)), 1, worker::BlockAt{});
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }();

  // A request committed; its job.
  pb::Job request(uint64_t seed) {
    Bytes req = chain.tx(user(0), body::request(model.id(), model.input(seed), kMaxFee));
    auto r = chain.block({req});
    EXPECT_EQ(r.receipts.at(0).status(), pb::OK) << r.receipts.at(0).reason();
    return *chain.ledger().job(ledger::tx_id(req));
  }
  // The worker's answer in the given mode, committed; its receipt.
  pb::Receipt answer(const pb::Job& job, worker::Cheat mode, Bytes* raw = nullptr) {
    auto body = mode == worker::Cheat::none ? worker::answer_job(*served, job) : worker::cheat_answer(mode, *served, job);
    EXPECT_TRUE(body) << body.error().message;
    Bytes tx = chain.tx(worker_op(0), *body);
    if (raw) *raw = tx;
    return chain.block({tx}).receipts.at(0);
  }
  const ml::Model& checker_model() {
    if (!held) {
      ml::ModelOptions o;
      o.threads = 1;
      o.access = ml::StoreAccess::read;
      auto m = ml::Model::open(checker_dir, o);
      if (!m) throw std::runtime_error(m.error().message);
      held = std::move(*m);
    }
    return *held;
  }
  std::unique_ptr<ml::Model> held;
};

pb::GhostProof proof_of(const Bytes& raw) {
  pb::TxEnvelope env;
  pb::TxBody body;
  EXPECT_TRUE(pb::decode(raw, env) && pb::decode(as_bytes(env.body()), body));
  return body.inference_result().proof();
}

TEST(CheatingWorker, WrongAnswersAreRefusedOnExecution) {
  Rig r;
  EXPECT_EQ(r.answer(r.request(1), worker::Cheat::wrong_output).status(), pb::BAD_PROOF);
  EXPECT_EQ(r.answer(r.request(2), worker::Cheat::foreign_column).status(), pb::BAD_PROOF);
  EXPECT_EQ(r.answer(r.request(3), worker::Cheat::stale_version).status(), pb::VERSION_MISMATCH);
  EXPECT_EQ(r.answer(r.request(4), worker::Cheat::degraded_topk).status(), pb::OK) << "a valid proof of a bad set";
  EXPECT_EQ(r.answer(r.request(5), worker::Cheat::none).status(), pb::OK);
  EXPECT_EQ(r.answer(r.request(6), worker::Cheat::degraded_step).status(), pb::OK) << "inference answered honestly";
}

TEST(CheatingWorker, ModesAreNamed) {
  EXPECT_EQ(*worker::parse_cheat(""), worker::Cheat::none);
  EXPECT_EQ(*worker::parse_cheat("degraded_topk"), worker::Cheat::degraded_topk);
  EXPECT_EQ(*worker::parse_cheat("degraded_step"), worker::Cheat::degraded_step);
  auto bad = worker::parse_cheat("lazy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("silence"), std::string::npos) << bad.error().message;
}

TEST(FraudCheck, AnHonestAnswerHasNoChallengeAndADegradedOneIsProven) {
  Rig r;
  const auto version = *worker::chain_version(r.chain.ledger(), r.model.id(), 0);
  Bytes honest_tx, bad_tx;
  const pb::Job honest = r.request(1);
  ASSERT_EQ(r.answer(honest, worker::Cheat::none, &honest_tx).status(), pb::OK);
  auto clean = check_answer(r.checker_model(), version, Hash32::from_span(as_bytes(honest.job_id())), proof_of(honest_tx));
  ASSERT_TRUE(clean) << clean.error().message;
  EXPECT_FALSE(*clean);

  const pb::Job bad = r.request(2);
  ASSERT_EQ(r.answer(bad, worker::Cheat::degraded_topk, &bad_tx).status(), pb::OK);
  const Hash32 bad_id = Hash32::from_span(as_bytes(bad.job_id()));
  auto fault = check_answer(r.checker_model(), version, bad_id, proof_of(bad_tx));
  ASSERT_TRUE(fault) << fault.error().message;
  ASSERT_TRUE(*fault);
  const uint64_t stake = r.chain.ledger().stake(pb::WORKER, addr(worker_op(0)))->bonded();
  pb::TxBody body;
  *body.mutable_challenge() = **fault;
  auto res = r.chain.block({r.chain.tx(user(1), body)});
  EXPECT_EQ(res.receipts.at(0).status(), pb::OK) << res.receipts.at(0).reason();
  EXPECT_EQ(r.chain.ledger().job(bad_id)->status(), pb::CHALLENGED);
  EXPECT_LT(r.chain.ledger().stake(pb::WORKER, addr(worker_op(0)))->bonded(), stake);
}

TEST(FraudCheck, AFolderOfAnotherVersionIsAnError) {
  Rig r;
  const pb::Job job = r.request(1);
  Bytes tx;
  ASSERT_EQ(r.answer(job, worker::Cheat::degraded_topk, &tx).status(), pb::OK);
  auto version = *worker::chain_version(r.chain.ledger(), r.model.id(), 0);
  version.roots[0] = sha256("other");
  auto out = check_answer(r.checker_model(), version, Hash32::from_span(as_bytes(job.job_id())), proof_of(tx));
  ASSERT_FALSE(out);
}

// The checker as a node runs it: commits handed over one by one, checks on its own thread.
inline int opened = 0;  // each checker's private copies in a folder of their own
struct Following {
  Rig& r;
  boost::asio::io_context core;
  metrics::Registry metrics;
  std::vector<pb::TxBody> submitted;
  std::unique_ptr<SpotChecker> checker;

  std::map<uint64_t, std::pair<pb::Block, pb::BlockResults>> stored;  // the node's block store
  std::vector<Bytes> mempool;                                          // what host.pending returns

  using Blocks = std::map<uint64_t, std::pair<pb::Block, pb::BlockResults>>;
  // As the validator `self` (by default the genesis set's first), its node storing `blocks`.
  explicit Following(Rig& rig, std::vector<std::string> dirs, std::optional<Address> self = std::nullopt,
                     Blocks blocks = {})
      : r(rig), stored(std::move(blocks)) {
    Host host;
    host.ledger = &r.chain.ledger();
    host.self = self ? *self : *Address::from_bytes(as_bytes(r.chain.ledger().validator_set().validators(0).operator_()));
    host.pending = [this] { return mempool; };
    host.submit = [this](pb::TxBody body, std::function<void(std::optional<Hash32>, std::string)> done) {
      submitted.push_back(body);
      done(sha256("challenge-" + std::to_string(submitted.size())), "");
    };
    host.block_at = [this](uint64_t h) {
      auto it = stored.find(h);
      return it == stored.end() ? std::nullopt : std::optional(it->second.first);
    };
    host.results_at = [this](uint64_t h) {
      auto it = stored.find(h);
      return it == stored.end() ? std::nullopt : std::optional(it->second.second);
    };
    SpotCheckConfig c;
    c.model_dirs = std::move(dirs);
    auto s = SpotChecker::open(c, r.dir.path, r.dir.path / ("spot-" + std::to_string(++opened)), core, std::move(host),
                               metrics);
    if (!s) throw std::runtime_error(s.error().message);
    checker = std::move(*s);
  }
  // Commits `txs` as the next block and hands it to the checker, as the node does.
  void commit(const std::vector<Bytes>& txs) {
    auto res = r.chain.block(txs);
    pb::Block b;
    b.mutable_header()->set_height(r.chain.ledger().height());
    pb::BlockResults results;
    std::vector<Hash32> ids;
    for (const auto& t : txs) b.add_txs(str(t)), ids.push_back(ledger::tx_id(t));
    for (const auto& receipt : res.receipts) *results.add_receipts() = receipt;
    stored[b.header().height()] = {b, results};
    checker->on_commit(b, hash_at(b.header().height()), results, ids);
  }
  static Hash32 hash_at(uint64_t height) { return sha256("hash-" + std::to_string(height)); }
  // Empty blocks until every rank's turn came (4 validators in the kit's genesis).
  void every_turn() {
    for (uint64_t i = 0; i < 3 * kBackupBlocks; ++i) commit({}), settle(0);
  }
  // Runs the core thread's side until `checks` checks came back from the threads (or 20 s).
  void settle(size_t checks) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (size_t done = 0; done < checks && std::chrono::steady_clock::now() < until;) {
      done += core.poll();
      core.restart();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    core.poll();  // what the last check posted (a submission's reply)
    core.restart();
  }
  uint64_t value(const std::string& name) { return metrics.counter(name, "").value(); }
};

TEST(SpotChecker, ChallengesAFaultOnlyOnceTheNextBlockSamplesIt) {
  Rig r;
  Following f(r, {r.checker_dir.string()});
  const pb::Job honest = r.request(1), bad = r.request(2);
  Bytes a, b;
  {
    auto body_a = worker::answer_job(*r.served, honest);
    auto body_b = worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad);
    a = r.chain.tx(worker_op(0), *body_a);
    b = r.chain.tx(worker_op(0), *body_b);
  }
  f.commit({a, b});
  f.settle(0);
  EXPECT_TRUE(f.submitted.empty()) << "the block after the answers decides the sample";
  f.commit({});
  f.settle(2);
  f.every_turn();
  EXPECT_EQ(f.value("ghost_spot_checks_total"), 2u);
  EXPECT_EQ(f.value("ghost_spot_faults_found_total"), 1u);
  ASSERT_EQ(f.submitted.size(), 1u);
  EXPECT_EQ(f.submitted[0].challenge().job_id(), bad.job_id());

  // The chain takes it: the challenge is won.
  Bytes c = r.chain.tx(user(1), f.submitted[0]);
  auto res = r.chain.block({c});
  ASSERT_EQ(res.receipts.at(0).status(), pb::OK) << res.receipts.at(0).reason();
  EXPECT_EQ(r.chain.ledger().job(Hash32::from_span(as_bytes(bad.job_id())))->status(), pb::CHALLENGED);
}

TEST(SpotChecker, AfterARestartTheLastBlocksAnswersAreSampledByTheNext) {
  Rig r;
  Following before(r, {r.checker_dir.string()});
  const pb::Job bad = r.request(2);
  before.commit({r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad))});
  before.checker->stop();  // the node stops with the answer's block committed, the next one not

  Following after(r, {r.checker_dir.string()});
  after.stored = before.stored;
  after.checker->start();
  after.commit({});
  after.settle(1);
  after.every_turn();
  ASSERT_EQ(after.submitted.size(), 1u);
  EXPECT_EQ(after.submitted[0].challenge().job_id(), bad.job_id());
}

// The validator ranked `rank` for the answer of `job` committed in the next block (sampled by the one after).
Address ranked(Rig& r, const pb::Job& job, uint32_t rank) {
  const uint64_t sampling = r.chain.ledger().height() + 2;
  const pb::ValidatorSet set = r.chain.ledger().validator_set();
  for (const auto& v : set.validators()) {
    const Address a = *Address::from_bytes(as_bytes(v.operator_()));
    if (challenger_rank(Following::hash_at(sampling), Hash32::from_span(as_bytes(job.job_id())), set, a) == rank) return a;
  }
  throw std::runtime_error("no validator of that rank");
}

TEST(SpotChecker, ABackupWaitsItsTurnAndAPendingChallenge) {
  Rig r;
  const pb::Job bad = r.request(2);
  Following f(r, {r.checker_dir.string()}, ranked(r, bad, 1));
  f.commit({r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad))});
  f.commit({});  // samples it: this validator's turn is kBackupBlocks later
  f.settle(1);
  EXPECT_EQ(f.value("ghost_spot_faults_found_total"), 1u);
  EXPECT_TRUE(f.submitted.empty()) << "rank 1 does not challenge at once";

  pb::TxBody other;  // the first's challenge, waiting in this validator's mempool
  other.mutable_challenge()->set_job_id(bad.job_id());
  f.mempool = {r.chain.tx(user(1), other)};
  for (uint64_t i = 0; i < 2 * kBackupBlocks; ++i) f.commit({}), f.settle(0);
  EXPECT_TRUE(f.submitted.empty()) << "a challenge naming the job is pending";

  f.mempool.clear();  // it never landed: the backup steps in
  f.commit({});
  f.settle(0);
  ASSERT_EQ(f.submitted.size(), 1u);
  EXPECT_EQ(f.submitted[0].challenge().job_id(), bad.job_id());
}

TEST(SpotChecker, ABackupDropsAFaultAnotherChallengedFirst) {
  Rig r;
  const pb::Job bad = r.request(2);
  Following f(r, {r.checker_dir.string()}, ranked(r, bad, 2));
  Bytes answer_tx = r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad));
  f.commit({answer_tx});
  f.commit({});
  f.settle(1);
  ASSERT_EQ(f.value("ghost_spot_faults_found_total"), 1u);
  pb::TxBody first;  // the first-ranked validator's challenge lands
  *first.mutable_challenge() = **check_answer(r.checker_model(), *worker::chain_version(r.chain.ledger(), r.model.id(), 0),
                                              Hash32::from_span(as_bytes(bad.job_id())), proof_of(answer_tx));
  f.commit({r.chain.tx(user(1), first)});
  ASSERT_EQ(r.chain.ledger().job(Hash32::from_span(as_bytes(bad.job_id())))->status(), pb::CHALLENGED);
  f.every_turn();
  EXPECT_TRUE(f.submitted.empty());
  EXPECT_EQ(f.value("ghost_spot_faults_left_total"), 1u);
}

TEST(SpotChecker, AnswersOfAModelItDoesNotHoldAreSkipped) {
  Rig r;
  TempDir other;
  Following f(r, {build_folder(other, 6).string()});
  const pb::Job bad = r.request(2);
  f.commit({r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad))});
  f.commit({});
  f.settle(0);
  EXPECT_TRUE(f.submitted.empty());
  EXPECT_EQ(f.metrics.counter("ghost_spot_checks_skipped_total", "", {{"reason", "version_not_held"}}).value(), 1u);
}

// A training request committed (every job is the one worker's); its job id.
Hash32 train_request(Following& f, uint64_t seed) {
  Bytes req = f.r.chain.tx(user(0), body::train_request(f.r.model.id(), f.r.model.input(seed), {0, 1, 0, 0}, 0.5f, kMaxFee));
  f.commit({req});
  return ledger::tx_id(req);
}

uint64_t skipped(Following& f, const char* reason) {
  return f.metrics.counter("ghost_spot_checks_skipped_total", "", {{"reason", reason}}).value();
}

TEST(SpotChecker, AnswersOnVersionsTrainedAfterItsFolderAreChecked) {
  Rig r;
  Following f(r, {r.checker_dir.string()});
  // An honest step 0 -> 1 (itself sampled and checked on version 0), settled: version 1 is final.
  const Hash32 step_job = train_request(f, 40);
  const pb::Job job = *r.chain.ledger().job(step_job);
  Bytes result = r.chain.tx(worker_op(0), *worker::answer_job(*r.served, job));
  f.commit({result});
  auto steps = worker::steps_in(worker::read_block(r.chain.ledger(), f.stored.rbegin()->second.first,
                                                   f.stored.rbegin()->second.second, addr(worker_op(0))));
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(r.served->apply(steps[0]));
  // Past the step's challenge window: version 1 is final.
  for (uint64_t i = 0; i <= r.chain.ledger().params().challenge_blocks(); ++i) f.commit({});
  f.settle(1);
  ASSERT_EQ(r.chain.ledger().model(r.model.id())->final_version(), 1u);
  EXPECT_EQ(f.value("ghost_spot_steps_applied_total"), 1u);
  EXPECT_EQ(f.value("ghost_spot_checks_total"), 1u) << "the honest step's forward pass";

  // A degraded answer pinned to version 1 is proven, not skipped.
  const pb::Job bad = r.request(2);
  ASSERT_EQ(bad.version(), 1u);
  f.commit({r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad))});
  f.commit({});
  f.settle(1);
  f.every_turn();
  EXPECT_EQ(skipped(f, "version_not_held"), 0u);
  ASSERT_EQ(f.submitted.size(), 1u);
  EXPECT_EQ(f.submitted[0].challenge().job_id(), bad.job_id());
  auto res = r.chain.block({r.chain.tx(user(1), f.submitted[0])});
  EXPECT_EQ(res.receipts.at(0).status(), pb::OK) << res.receipts.at(0).reason();
}

TEST(SpotChecker, ADegradedTrainingStepIsProvenAndTheHeldModelRollsBack) {
  Rig r;
  Following f(r, {r.checker_dir.string()});
  const Hash32 job = train_request(f, 30);
  // The step's forward pass is of the worst columns: a valid training proof of a provable fault.
  auto cheat = worker::cheat_answer(worker::Cheat::degraded_step, *r.served, *r.chain.ledger().job(job));
  ASSERT_TRUE(cheat) << cheat.error().message;
  f.commit({r.chain.tx(worker_op(0), *cheat)});
  ASSERT_EQ(f.stored.rbegin()->second.second.receipts(0).status(), pb::OK);
  f.commit({});  // samples it, after the step moved the held model to version 1
  f.settle(1);
  f.every_turn();
  EXPECT_EQ(f.value("ghost_spot_steps_applied_total"), 1u);
  EXPECT_EQ(f.value("ghost_spot_faults_found_total"), 1u);
  ASSERT_EQ(f.submitted.size(), 1u);
  EXPECT_EQ(f.submitted[0].challenge().job_id(), str(job));

  // The chain takes it; the checker follows the rollback and checks on version 0 again.
  f.commit({r.chain.tx(user(1), f.submitted[0])});
  ASSERT_EQ(f.stored.rbegin()->second.second.receipts(0).status(), pb::OK)
      << f.stored.rbegin()->second.second.receipts(0).reason();
  EXPECT_EQ(r.chain.ledger().job(job)->status(), pb::CHALLENGED);
  EXPECT_EQ(r.chain.ledger().model(r.model.id())->version(), 0u);
  const pb::Job bad = r.request(3);
  ASSERT_EQ(bad.version(), 0u);
  f.commit({r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad))});
  f.commit({});
  f.settle(1);
  f.every_turn();
  EXPECT_EQ(f.value("ghost_spot_rollbacks_total"), 1u);
  ASSERT_EQ(f.submitted.size(), 2u);
  EXPECT_EQ(f.submitted[1].challenge().job_id(), bad.job_id());
}

TEST(SpotChecker, AFolderAtAVersionDiscardedBeforeItStartedIsHeldAtTheVersionTheFraudReturnedTo) {
  Rig r;
  Following up(r, {r.checker_dir.string()});  // a checker that was running: it proves the step
  const Hash32 job = train_request(up, 30);
  auto cheat = worker::cheat_answer(worker::Cheat::degraded_step, *r.served, *r.chain.ledger().job(job));
  ASSERT_TRUE(cheat) << cheat.error().message;
  up.commit({r.chain.tx(worker_op(0), *cheat)});
  const auto& [block, results] = up.stored.rbegin()->second;
  auto steps = worker::steps_in(worker::read_block(r.chain.ledger(), block, results, addr(worker_op(0))));
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(r.served->apply(steps[0]));
  const auto stale = r.dir.path / "stale";  // the worker's folder at the step's version 1
  ASSERT_TRUE(ml::Model::clone(r.worker_dir, stale));
  up.commit({});
  up.settle(1);
  up.every_turn();
  ASSERT_EQ(up.submitted.size(), 1u);
  up.commit({r.chain.tx(user(1), up.submitted[0])});
  ASSERT_EQ(r.chain.ledger().model(r.model.id())->version(), 0u);
  ASSERT_TRUE(r.served->roll_back(0, {}));

  // Opened now, that folder is not held without the blocks of the discarded step (pruned)...
  auto pruned = HeldModels::open({stale.string()}, r.dir.path, r.dir.path / "pruned", r.chain.ledger(),
                                 [](uint64_t) { return std::optional<pb::Block>(); }, 1);
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(pruned->size(), 0u);
  // ... and with them is back at version 0, where a checker proves a degraded answer.
  Following late(r, {stale.string()}, std::nullopt, up.stored);
  const pb::Job bad = r.request(3);
  ASSERT_EQ(bad.version(), 0u);
  const Bytes answer = r.chain.tx(worker_op(0), *worker::cheat_answer(worker::Cheat::degraded_topk, *r.served, bad));
  late.commit({answer});
  late.commit({});
  late.settle(1);
  late.every_turn();
  EXPECT_EQ(skipped(late, "version_not_held"), 0u);
  ASSERT_EQ(late.submitted.size(), 1u);
  EXPECT_EQ(late.submitted[0].challenge().job_id(), bad.job_id());
}

TEST(SpotChecker, AMissingFolderIsAnErrorNamingIt) {
  Rig r;
  metrics::Registry m;
  boost::asio::io_context core;
  SpotCheckConfig c;
  c.model_dirs = {"nowhere"};
  Host host;
  host.ledger = &r.chain.ledger();
  auto s = SpotChecker::open(c, r.dir.path, r.dir.path / "spot", core, host, m);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("nowhere"), std::string::npos) << s.error().message;
  c.model_dirs = {};
  c.threads = 0;
  EXPECT_FALSE(SpotChecker::open(c, r.dir.path, r.dir.path / "spot", core, host, m));
}

}  // namespace
}  // namespace ghost::spotcheck
