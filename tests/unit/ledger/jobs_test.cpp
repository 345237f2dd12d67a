// Models and paid jobs: registration, requests, assignment, results verified through real
// ghost proofs, settlement, deadlines, challenges and training (consensus/ledger.h).
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/ledger/model_kit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

constexpr uint64_t kPrice = 50'000, kMaxFee = 80'000;

// The test genesis with a worker whose stake stays eligible after paying a penalty or two.
pb::Genesis lenient_genesis() {
  pb::Genesis g = genesis_with(ServedModel(addr(user(0))), 1);
  g.mutable_params()->set_min_stake_worker(10 * GC);
  return g;
}

struct JobChain {
  ServedModel model{addr(user(0))};
  Chain chain{genesis_with(model, 1)};
  PrivateKey client = user(1), worker = worker_op(0);

  // Submits a request in its own block and returns the job id.
  Hash32 request(const Bytes& input, uint64_t max_fee = kMaxFee) {
    Bytes tx = chain.tx(client, body::request(model.id(), input, max_fee));
    auto r = chain.block({tx}).receipts.at(0);
    EXPECT_EQ(r.status(), pb::OK) << r.reason();
    return tx_id(tx);
  }
  pb::Job job(const Hash32& id) { return chain.ledger().job(id).value(); }
};

TEST(LedgerJobsTest, HonestInferenceIsPaidAfterTheChallengeWindow) {
  JobChain f;
  Ledger& l = f.chain.ledger();
  uint64_t client0 = f.chain.balance(f.client), worker0 = f.chain.balance(f.worker);
  Bytes input = f.model.input(1);
  Hash32 id = f.request(input);
  uint64_t fee1 = client0 - f.chain.balance(f.client) - kMaxFee;
  pb::Job j = f.job(id);
  EXPECT_EQ(j.status(), pb::ASSIGNED);
  EXPECT_EQ(j.worker(), str(addr(f.worker)));
  EXPECT_EQ(j.price(), kPrice);
  EXPECT_EQ(j.version(), 0u);
  EXPECT_EQ(l.model_version(f.model.id(), 0)->pins(), 1u);
  expect_supply_conserved(l);

  auto r = f.chain.run(f.worker, body::result(id, f.model.answer(input)));
  ASSERT_EQ(r.status(), pb::OK) << r.reason();
  j = f.job(id);
  EXPECT_EQ(j.status(), pb::ANSWERED);
  EXPECT_EQ(j.answered_height(), l.height());
  uint64_t answered = l.height();
  while (l.height() < answered + 2) f.chain.block();
  EXPECT_EQ(f.job(id).status(), pb::ANSWERED);  // still challengeable
  f.chain.block();
  j = f.job(id);
  EXPECT_EQ(j.status(), pb::SETTLED);
  EXPECT_TRUE(j.proof_hash().empty());
  EXPECT_EQ(l.model_version(f.model.id(), 0)->pins(), 0u);  // current version: kept, unpinned
  uint64_t share = kPrice / 10;
  EXPECT_EQ(f.chain.balance(f.worker), worker0 - r.fee_paid() + kPrice - share);
  EXPECT_EQ(f.chain.balance(f.client), client0 - fee1 - kPrice);  // the unused max_fee came back
  EXPECT_EQ(l.stake(pb::WORKER, addr(f.worker))->served(), 1u);
  expect_supply_conserved(l);
}

TEST(LedgerJobsTest, RequestFailures) {
  ServedModel model(addr(user(0)), pb::OWNER_ONLY, /*price_floor=*/60'000);
  Chain c(genesis_with(model, 1));
  Bytes input = model.input(1);
  auto code = [&](const pb::TxBody& b) { return c.run(user(1), b).status(); };
  EXPECT_EQ(code(body::request(sha256("nope"), input, kMaxFee)), pb::UNKNOWN_MODEL);
  EXPECT_EQ(code(body::request(model.id(), Bytes(3, 1), kMaxFee)), pb::BAD_INPUT);
  EXPECT_EQ(code(body::request(model.id(), ml::encode_floats(std::vector<float>(16, 0.0f)), kMaxFee)), pb::BAD_INPUT);
  EXPECT_EQ(code(body::request(model.id(), input, 59'999)), pb::FEE_BELOW_PRICE);
  uint64_t h = c.ledger().height() + 1;
  EXPECT_EQ(code(body::request(model.id(), input, kMaxFee, h)), pb::BAD_DEADLINE);  // not after this block
  EXPECT_EQ(code(body::request(model.id(), input, kMaxFee, h + 1 + 4 + 1)), pb::BAD_DEADLINE);
  pb::Genesis pricey = genesis_with(model, 1, /*price=*/100'000);
  Chain c2(pricey);
  EXPECT_EQ(c2.run(user(1), body::request(model.id(), input, 99'999)).status(), pb::NO_WORKER);
  EXPECT_EQ(c2.run(PrivateKey::from_seed("poor"), body::request(model.id(), input, 100'000)).status(),
            pb::TX_CANNOT_PAY_FEE);
  c2.run(user(2), body::transfer(addr(PrivateKey::from_seed("poor")), 60'000));
  EXPECT_EQ(c2.run(PrivateKey::from_seed("poor"), body::request(model.id(), input, 100'000)).status(),
            pb::INSUFFICIENT_FUNDS);
  EXPECT_TRUE(c.ledger().jobs().empty());
  EXPECT_TRUE(c2.ledger().jobs().empty());
  expect_supply_conserved(c.ledger());
  expect_supply_conserved(c2.ledger());
}

TEST(LedgerJobsTest, DishonestResultsAreRejectedAndTheClientRefunded) {
  JobChain f;
  Bytes input = f.model.input(2);
  uint64_t client0 = f.chain.balance(f.client), worker0 = f.chain.balance(f.worker);
  Hash32 id = f.request(input);
  uint64_t request_fee = client0 - kMaxFee - f.chain.balance(f.client);
  pb::GhostProof honest = f.model.answer(input);
  // Every bad answer in one block, well before the deadline.
  std::vector<Bytes> txs;
  std::vector<pb::TxCode> want;
  auto bad = [&](const PrivateKey& k, const pb::TxBody& b, pb::TxCode code) {
    txs.push_back(f.chain.tx(k, b));
    want.push_back(code);
  };
  pb::TxBody wrong_output = body::result(id, honest);
  std::string out = wrong_output.inference_result().output();
  out[0] ^= 1;
  wrong_output.mutable_inference_result()->set_output(out);
  bad(f.worker, wrong_output, pb::BAD_PROOF);
  pb::GhostProof tampered = honest;  // output changed in the proof too: recomputation differs
  tampered.mutable_layers(0)->set_output(out);
  bad(f.worker, body::result(id, tampered), pb::BAD_PROOF);
  pb::GhostProof foreign = honest;  // a selected column that the openings do not prove
  foreign.mutable_layers(0)->set_selected(0, foreign.layers(0).selected(0) == 199 ? 198 : 199);
  bad(f.worker, body::result(id, foreign), pb::BAD_PROOF);
  bad(f.worker, body::result(id, f.model.answer(f.model.input(3))), pb::BAD_PROOF);  // another input
  pb::GhostProof other_version = honest;
  other_version.set_version(1);
  bad(f.worker, body::result(id, other_version), pb::VERSION_MISMATCH);
  bad(user(3), body::result(id, honest), pb::NOT_ASSIGNED_WORKER);
  bad(f.worker, body::result(sha256("no job"), honest), pb::UNKNOWN_JOB);
  auto res = f.chain.block(txs);
  uint64_t worker_fees = 0;
  for (size_t i = 0; i < txs.size(); ++i) {
    EXPECT_EQ(res.receipts[i].status(), want[i]) << i << ": " << res.receipts[i].reason();
    if (i != 5) worker_fees += res.receipts[i].fee_paid();
  }
  EXPECT_EQ(f.job(id).status(), pb::ASSIGNED);

  // No valid answer by the deadline: refunded, a miss for the worker, nothing paid, and the
  // worker's stake pays the client the miss penalty (one price at the default params).
  const uint64_t stake0 = f.chain.ledger().stake(pb::WORKER, addr(f.worker))->bonded();
  while (f.chain.ledger().height() < f.job(id).deadline()) f.chain.block();
  pb::Job j = f.job(id);
  EXPECT_EQ(j.status(), pb::REFUNDED);
  EXPECT_EQ(f.chain.balance(f.client), client0 - request_fee + kPrice);
  EXPECT_EQ(f.chain.balance(f.worker), worker0 - worker_fees);
  EXPECT_EQ(f.chain.ledger().stake(pb::WORKER, addr(f.worker))->misses(), 1u);
  EXPECT_EQ(f.chain.ledger().stake(pb::WORKER, addr(f.worker))->bonded(), stake0 - kPrice);
  EXPECT_EQ(f.chain.run(f.worker, body::result(id, honest)).status(), pb::JOB_NOT_OPEN);  // too late
  expect_supply_conserved(f.chain.ledger());
}

TEST(LedgerJobsTest, ADegradedAnswerCostsAMultipleOfTheFeeByAChallenge) {
  JobChain f;
  Ledger& l = f.chain.ledger();
  Bytes input = f.model.input(4);
  uint64_t client0 = f.chain.balance(f.client);
  Hash32 id = f.request(input);
  uint64_t request_fee = client0 - kMaxFee - f.chain.balance(f.client);
  pb::GhostProof cheat = f.model.answer(input, /*drop=*/3);  // best 3 swapped for the worst, proofs valid
  ASSERT_EQ(f.chain.run(f.worker, body::result(id, cheat)).status(), pb::OK);
  uint64_t worker_balance = f.chain.balance(f.worker);
  auto fraud = f.model.fraud(cheat);
  ASSERT_TRUE(fraud);

  PrivateKey challenger = user(5);
  // A proof of nothing forfeits the bond: here, one about a layer the model does not have.
  pb::SearchFraudProof bogus = *fraud;
  bogus.set_layer(7);
  uint64_t c0 = f.chain.balance(challenger), burned0 = l.supply().burned();
  auto rejected = f.chain.run(challenger, body::challenge(id, cheat, bogus));
  EXPECT_EQ(rejected.status(), pb::CHALLENGE_REJECTED);
  EXPECT_EQ(f.chain.balance(challenger), c0 - rejected.fee_paid() - 10 * GC);
  EXPECT_EQ(l.supply().burned(), burned0 + 10 * GC);
  EXPECT_EQ(f.job(id).status(), pb::ANSWERED);

  uint64_t stake0 = l.stake(pb::WORKER, addr(f.worker))->bonded();
  c0 = f.chain.balance(challenger);
  burned0 = l.supply().burned();
  auto won = f.chain.run(challenger, body::challenge(id, cheat, *fraud));
  ASSERT_EQ(won.status(), pb::OK) << won.reason();
  pb::Job j = f.job(id);
  EXPECT_EQ(j.status(), pb::CHALLENGED);
  EXPECT_EQ(j.challenger(), str(addr(challenger)));
  const uint64_t penalty = l.params().fault_penalty_prices() * kPrice;
  ASSERT_GT(penalty, 0u);
  EXPECT_EQ(j.slashed(), penalty);
  auto w = l.stake(pb::WORKER, addr(f.worker));
  EXPECT_EQ(w->bonded(), stake0 - penalty);
  EXPECT_EQ(w->faults(), 1u);
  EXPECT_EQ(w->window_faults(), 1u);
  EXPECT_FALSE(w->jailed());  // jailed only at max_faults_per_window faults
  EXPECT_EQ(f.chain.balance(challenger), c0 - won.fee_paid() + penalty / 2);  // bond back + half
  EXPECT_EQ(l.supply().burned(), burned0);                                    // nothing burned
  EXPECT_EQ(f.chain.balance(f.client), client0 - request_fee + (penalty - penalty / 2));  // refund + the rest
  EXPECT_EQ(l.model_version(f.model.id(), 0)->pins(), 0u);
  // Never paid: the window passes without settlement, the balance does not move.
  for (int i = 0; i < 4; ++i) f.chain.block();
  EXPECT_EQ(f.chain.balance(f.worker), worker_balance);
  EXPECT_EQ(f.job(id).status(), pb::CHALLENGED);
  EXPECT_EQ(f.chain.run(challenger, body::challenge(id, cheat, *fraud)).status(), pb::JOB_NOT_OPEN);
  expect_supply_conserved(l);
}

// A cheat answers `input` (its best 3 columns dropped) and is challenged at once; returns the job.
Hash32 proven_fault(JobChain& f, uint64_t seed) {
  Bytes input = f.model.input(seed);
  Hash32 id = f.request(input);
  pb::GhostProof cheat = f.model.answer(input, 3);
  EXPECT_EQ(f.chain.run(f.worker, body::result(id, cheat)).status(), pb::OK);
  EXPECT_EQ(f.chain.run(user(5), body::challenge(id, cheat, f.model.fraud(cheat).value())).status(), pb::OK);
  return id;
}

TEST(LedgerJobsTest, FaultsJailOnlyAtTheBoundInsideOneWindow) {
  pb::Genesis g = lenient_genesis();
  g.mutable_params()->set_fault_window_blocks(12);
  g.mutable_params()->set_max_faults_per_window(2);
  JobChain f{.chain = Chain(g)};
  Ledger& l = f.chain.ledger();
  auto worker = [&] { return l.stake(pb::WORKER, addr(f.worker)).value(); };
  proven_fault(f, 20);  // 3 blocks: request, result, challenge
  const uint64_t first = worker().window_start();
  EXPECT_EQ(worker().window_faults(), 1u);
  // The window passes: the next fault starts a new one instead of jailing.
  while (l.height() < first + 12) f.chain.block();
  proven_fault(f, 21);
  EXPECT_FALSE(worker().jailed());
  EXPECT_EQ(worker().window_faults(), 1u);
  EXPECT_GT(worker().window_start(), first);
  // A second fault inside that window reaches the bound: jailed, and slashed a tenth, burned.
  const uint64_t bonded = worker().bonded(), burned0 = l.supply().burned();
  const uint64_t penalty = l.params().fault_penalty_prices() * kPrice;
  proven_fault(f, 22);
  EXPECT_TRUE(worker().jailed());
  EXPECT_EQ(worker().faults(), 3u);
  EXPECT_EQ(worker().window_faults(), 0u);
  const uint64_t cut = (bonded - penalty) / 10;
  EXPECT_EQ(worker().bonded(), bonded - penalty - cut);
  EXPECT_EQ(l.supply().burned(), burned0 + cut);
  // A jailed worker gets no new jobs.
  EXPECT_EQ(f.chain.run(f.client, body::request(f.model.id(), f.model.input(23), kMaxFee)).status(), pb::NO_WORKER);
  expect_supply_conserved(l);
}

TEST(LedgerJobsTest, FaultPenaltyReachesUnbondingStake) {
  JobChain f;
  Ledger& l = f.chain.ledger();
  Bytes input = f.model.input(7);
  Hash32 id = f.request(input);
  pb::GhostProof cheat = f.model.answer(input, 3);
  // The cheat answers and tries to leave with its whole stake before anyone checks.
  auto res = f.chain.block({f.chain.tx(f.worker, body::result(id, cheat)),
                            f.chain.tx(f.worker, body::unstake(pb::WORKER, 100 * GC))});
  ASSERT_EQ(res.receipts[0].status(), pb::OK);
  ASSERT_EQ(res.receipts[1].status(), pb::OK);
  EXPECT_EQ(l.stake(pb::WORKER, addr(f.worker))->bonded(), 0u);
  ASSERT_EQ(f.chain.run(user(5), body::challenge(id, cheat, f.model.fraud(cheat).value())).status(), pb::OK);
  auto w = l.stake(pb::WORKER, addr(f.worker));
  const uint64_t penalty = l.params().fault_penalty_prices() * kPrice;
  ASSERT_EQ(w->unbonding_size(), 1);
  EXPECT_EQ(w->unbonding(0).amount(), 100 * GC - penalty);
  EXPECT_EQ(w->slashed(), penalty);
  EXPECT_EQ(f.job(id).status(), pb::CHALLENGED);
  expect_supply_conserved(l);
}

TEST(LedgerJobsTest, HonestCanonicalAndExactResultsCannotBeSlashed) {
  JobChain f;
  Ledger& l = f.chain.ledger();
  for (uint64_t seed = 10; seed < 16; ++seed) {
    Bytes input = f.model.input(seed);
    Hash32 id = f.request(input);
    // Exact answers on even seeds, the canonical search's on odd ones.
    pb::GhostProof honest = seed % 2 ? f.model.canonical_answer(input) : f.model.answer(input);
    ASSERT_EQ(f.chain.run(f.worker, body::result(id, honest)).status(), pb::OK);
    EXPECT_FALSE(f.model.fraud(honest)) << seed;  // no fraud proof exists
    // The strongest attempt: a fraud proof made against a cheating answer to the same input.
    auto attempt = f.model.fraud(f.model.answer(input, 3));
    ASSERT_TRUE(attempt);
    EXPECT_EQ(f.chain.run(user(5), body::challenge(id, honest, *attempt)).status(), pb::CHALLENGE_REJECTED);
    EXPECT_EQ(f.job(id).status(), pb::ANSWERED);
  }
  EXPECT_EQ(l.stake(pb::WORKER, addr(f.worker))->slashed(), 0u);
  EXPECT_FALSE(l.stake(pb::WORKER, addr(f.worker))->jailed());
  expect_supply_conserved(l);
}

TEST(LedgerJobsTest, ChallengeFailures) {
  JobChain f;
  Bytes input = f.model.input(6);
  Hash32 id = f.request(input);
  pb::GhostProof cheat = f.model.answer(input, 3);
  auto fraud = f.model.fraud(cheat).value();
  EXPECT_EQ(f.chain.run(user(5), body::challenge(sha256("x"), cheat, fraud)).status(), pb::UNKNOWN_JOB);
  EXPECT_EQ(f.chain.run(user(5), body::challenge(id, cheat, fraud)).status(), pb::JOB_NOT_OPEN);  // not answered
  ASSERT_EQ(f.chain.run(f.worker, body::result(id, cheat)).status(), pb::OK);
  EXPECT_EQ(f.job(id).proof_hash(), str(sha256(pb::encode(cheat))));  // the ledger keeps only the hash
  // The challenge must bring the answer the result carried: another one is refused whole,
  // bond untouched (the exact answer to the same input here).
  PrivateKey challenger = user(5);
  uint64_t c0 = f.chain.balance(challenger);
  auto other = f.chain.run(challenger, body::challenge(id, f.model.answer(input), fraud));
  EXPECT_EQ(other.status(), pb::BAD_PROOF);
  EXPECT_EQ(f.chain.balance(challenger), c0 - other.fee_paid());
  PrivateKey poor = PrivateKey::from_seed("poor challenger");
  f.chain.run(user(5), body::transfer(addr(poor), 1 * GC));
  EXPECT_EQ(f.chain.run(poor, body::challenge(id, cheat, fraud)).status(), pb::INSUFFICIENT_FUNDS);
  for (int i = 0; i < 3; ++i) f.chain.block();
  EXPECT_EQ(f.job(id).status(), pb::SETTLED);  // nobody challenged in time: the cheat got paid
  EXPECT_TRUE(f.job(id).proof_hash().empty());
  EXPECT_EQ(f.chain.run(user(5), body::challenge(id, cheat, fraud)).status(), pb::CHALLENGE_WINDOW_CLOSED);
  expect_supply_conserved(f.chain.ledger());
}

TEST(LedgerJobsTest, AssignmentIsDeterministicAndStakeWeighted) {
  ServedModel model(addr(user(0)));
  pb::Genesis g = genesis_with(model, 3);  // stakes 100, 200, 300 GC
  for (auto& w : *g.mutable_workers()) w.set_capacity(300);  // room for every request below
  Chain a(g), b(g);
  std::map<std::string, int> count;
  std::vector<Bytes> txs;
  for (int i = 0; i < 300; ++i) txs.push_back(a.tx(user(1 + i % 4), body::request(model.id(), model.input(i), kMaxFee)));
  a.block(txs);
  b.block(txs);
  for (const auto& tx : txs) {
    pb::Job ja = a.ledger().job(tx_id(tx)).value();
    EXPECT_EQ(ja.worker(), b.ledger().job(tx_id(tx)).value().worker());
    count[ja.worker()]++;
  }
  EXPECT_EQ(a.ledger().app_hash(), b.ledger().app_hash());
  // Expected 50, 100, 150; a seeded run, so the bounds are loose but each is checked.
  EXPECT_GT(count[str(addr(worker_op(0)))], 25);
  EXPECT_LT(count[str(addr(worker_op(0)))], 75);
  EXPECT_GT(count[str(addr(worker_op(2)))], 120);
  EXPECT_GT(count[str(addr(worker_op(2)))], count[str(addr(worker_op(1)))]);
  // Another previous block hash assigns differently.
  Chain other(g);
  auto res = other.ledger().apply_block(BlockInfo{1, sha256("another parent")}, txs);
  ASSERT_TRUE(res);
  int moved = 0;
  for (const auto& tx : txs) moved += other.ledger().job(tx_id(tx))->worker() != a.ledger().job(tx_id(tx))->worker();
  EXPECT_GT(moved, 50);
}

// A worker's open jobs never pass its capacity: a request no worker has room for is refused
// (WORKERS_BUSY: the tx fee is paid, nothing is escrowed), and an answer or an expiry makes room.
TEST(LedgerJobsTest, AWorkerAtItsCapacityGetsNoJobUntilOneCloses) {
  ServedModel model(addr(user(0)));
  pb::Genesis g = genesis_with(model, 2);
  g.mutable_workers(0)->set_capacity(2);
  g.mutable_workers(1)->set_capacity(3);
  Chain c(g);
  Ledger& l = c.ledger();
  auto open = [&](int w) { return l.stake(pb::WORKER, addr(worker_op(w)))->open_jobs(); };
  std::vector<Bytes> txs;
  for (int i = 0; i < 5; ++i) txs.push_back(c.tx(user(1), body::request(model.id(), model.input(i), kMaxFee)));
  for (const auto& r : c.block(txs).receipts) ASSERT_EQ(r.status(), pb::OK) << r.reason();
  EXPECT_EQ(open(0), 2u);
  EXPECT_EQ(open(1), 3u);

  const uint64_t client0 = c.balance(user(1));
  const Hash32 app0 = l.app_hash();
  auto busy = c.run(user(1), body::request(model.id(), model.input(5), kMaxFee));
  EXPECT_EQ(busy.status(), pb::WORKERS_BUSY) << busy.reason();
  EXPECT_NE(busy.reason().find("retry later"), std::string::npos) << busy.reason();
  EXPECT_EQ(c.balance(user(1)), client0 - busy.fee_paid());  // the fee, no escrow
  EXPECT_NE(l.app_hash(), app0);                              // only the fee and nonce moved
  EXPECT_EQ(open(0) + open(1), 5u);
  expect_supply_conserved(l);

  // Worker 0 answers one of its jobs: the next request can only go to it.
  Hash32 of0{};
  for (const auto& tx : txs)
    if (l.job(tx_id(tx))->worker() == str(addr(worker_op(0)))) of0 = tx_id(tx);
  const std::string in0 = l.job(of0)->input();
  const Bytes input0(in0.begin(), in0.end());
  ASSERT_EQ(c.run(worker_op(0), body::result(of0, model.answer(input0))).status(), pb::OK);
  EXPECT_EQ(open(0), 1u);
  const Bytes next = c.tx(user(1), body::request(model.id(), model.input(6), kMaxFee));
  ASSERT_EQ(c.block({next}).receipts.at(0).status(), pb::OK);
  EXPECT_EQ(l.job(tx_id(next))->worker(), str(addr(worker_op(0))));
  EXPECT_EQ(open(0), 2u);

  // Deadlines passing close the unanswered jobs: both workers have room again.
  while (l.job(tx_id(next))->status() == pb::ASSIGNED) c.block();
  EXPECT_EQ(open(0), 0u);
  EXPECT_EQ(open(1), 0u);
  EXPECT_EQ(c.run(user(1), body::request(model.id(), model.input(7), kMaxFee)).status(), pb::OK);
  expect_supply_conserved(l);
}

// Seeded: whatever requests, answers and expiries happen, each worker's open_jobs equals its
// ASSIGNED jobs and never passes its capacity.
TEST(LedgerJobsTest, OpenJobsCountsTheAssignedJobsUnderRandomTraffic) {
  ServedModel model(addr(user(0)));
  pb::Genesis g = genesis_with(model, 3);
  for (int w = 0; w < 3; ++w) g.mutable_workers(w)->set_capacity(uint32_t(2 + w));
  Chain c(g);
  Ledger& l = c.ledger();
  std::mt19937_64 rng(20261203);
  std::vector<std::pair<Hash32, Bytes>> jobs;  // id, input
  uint64_t seed = 0, refused = 0;
  for (int round = 0; round < 40; ++round) {
    std::vector<Bytes> txs;
    const int requests = int(rng() % 6);
    for (int i = 0; i < requests; ++i) {
      Bytes input = model.input(seed++);
      const uint64_t deadline = l.height() + 2 + rng() % 4;
      txs.push_back(c.tx(user(1 + int(rng() % 3)), body::request(model.id(), input, kMaxFee, deadline)));
      jobs.emplace_back(tx_id(txs.back()), std::move(input));
    }
    for (const auto& [id, input] : jobs) {  // answer about half of the open ones
      auto j = l.job(id);
      if (!j || j->status() != pb::ASSIGNED || rng() % 2) continue;
      for (int w = 0; w < 3; ++w)
        if (j->worker() == str(addr(worker_op(w)))) txs.push_back(c.tx(worker_op(w), body::result(id, model.answer(input))));
    }
    for (const auto& r : c.block(txs).receipts) {
      ASSERT_TRUE(r.status() == pb::OK || r.status() == pb::WORKERS_BUSY) << r.reason();
      refused += r.status() == pb::WORKERS_BUSY;
    }
    for (int w = 0; w < 3; ++w) {
      uint32_t assigned = 0;
      for (const auto& j : l.jobs()) assigned += j.status() == pb::ASSIGNED && j.worker() == str(addr(worker_op(w)));
      const auto s = l.stake(pb::WORKER, addr(worker_op(w)));
      ASSERT_EQ(s->open_jobs(), assigned) << "worker " << w << " round " << round;
      ASSERT_LE(s->open_jobs(), s->capacity());
    }
  }
  EXPECT_GT(refused, 0u);  // the traffic did reach the capacities
  expect_supply_conserved(l);
}

TEST(LedgerJobsTest, RegisterModelAndWorkerStake) {
  Chain c;
  ServedModel model(addr(user(2)), pb::FROZEN, 0, /*seed=*/9);
  EXPECT_EQ(c.run(user(3), body::register_model(model.file())).status(), pb::BAD_GHOST_FILE);  // not the owner
  pb::GhostFile broken = model.file();
  broken.mutable_layers(0)->set_k(0);
  broken.set_owner(str(addr(user(2))));
  EXPECT_EQ(c.run(user(2), body::register_model(broken)).status(), pb::BAD_GHOST_FILE);
  ASSERT_EQ(c.run(user(2), body::register_model(model.file())).status(), pb::OK);
  EXPECT_EQ(c.run(user(2), body::register_model(model.file())).status(), pb::MODEL_EXISTS);
  auto info = c.ledger().model(model.id());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->version(), 0u);
  EXPECT_EQ(c.ledger().model_version(model.id(), 0)->roots_size(), 2);
  EXPECT_EQ(c.ledger().models().size(), 1u);
  // A worker registers for it and gets its jobs.
  EXPECT_EQ(c.run(user(4), body::request(model.id(), model.input(1), kMaxFee)).status(), pb::NO_WORKER);
  pb::TxBody dup = body::stake_worker(100 * GC, {model.id(), model.id()}, kPrice);
  EXPECT_EQ(c.run(user(6), dup).status(), pb::BAD_INPUT);
  ASSERT_EQ(c.run(user(6), body::stake_worker(100 * GC, {model.id()}, kPrice)).status(), pb::OK);
  Bytes tx = c.tx(user(4), body::request(model.id(), model.input(1), kMaxFee));
  ASSERT_EQ(c.block({tx}).receipts[0].status(), pb::OK);
  EXPECT_EQ(c.ledger().job(tx_id(tx))->worker(), str(addr(user(6))));
  ASSERT_EQ(c.ledger().model_workers(model.id()).size(), 1u);
  EXPECT_EQ(c.ledger().model_workers(model.id())[0].operator_(), str(addr(user(6))));
  // Changing the served models moves the worker out of this model's pool.
  ServedModel other(addr(user(2)), pb::FROZEN, 0, /*seed=*/10);
  ASSERT_EQ(c.run(user(2), body::register_model(other.file())).status(), pb::OK);
  ASSERT_EQ(c.run(user(6), body::stake_worker(1, {other.id()}, kPrice)).status(), pb::OK);
  EXPECT_EQ(c.run(user(4), body::request(model.id(), model.input(1), kMaxFee)).status(), pb::NO_WORKER);
  EXPECT_EQ(c.run(user(4), body::request(other.id(), other.input(1), kMaxFee)).status(), pb::OK);
  EXPECT_TRUE(c.ledger().model_workers(model.id()).empty());
  EXPECT_EQ(c.ledger().model_workers(other.id()).size(), 1u);
  expect_supply_conserved(c.ledger());
}

TEST(LedgerJobsTest, TrainingMovesRootsAndKeepsPinnedVersions) {
  JobChain f{.chain = Chain(lenient_genesis())};
  Ledger& l = f.chain.ledger();
  PrivateKey owner = user(0);
  Bytes in0 = f.model.input(20), in1 = f.model.input(21);
  std::vector<float> target = {1, 0, 0, 0};
  EXPECT_EQ(f.chain.run(user(3), body::train_request(f.model.id(), in1, target, 0.5f, kMaxFee)).status(),
            pb::NOT_TRAINABLE);  // OWNER_ONLY
  EXPECT_EQ(f.chain.run(owner, body::train_request(f.model.id(), in1, {1, 0}, 0.5f, kMaxFee)).status(), pb::BAD_INPUT);
  EXPECT_EQ(f.chain.run(owner, body::train_request(f.model.id(), in1, target, -1.0f, kMaxFee)).status(), pb::BAD_INPUT);

  // One block: a training job and an inference job (pinned to version 0).
  Bytes req = f.chain.tx(owner, body::train_request(f.model.id(), in1, target, 0.5f, kMaxFee));
  Bytes infer = f.chain.tx(f.client, body::request(f.model.id(), in0, kMaxFee));
  auto opened = f.chain.block({req, infer});
  ASSERT_EQ(opened.receipts[0].status(), pb::OK) << opened.receipts[0].reason();
  ASSERT_EQ(opened.receipts[1].status(), pb::OK) << opened.receipts[1].reason();
  Hash32 train_job = tx_id(req), infer_job = tx_id(infer);
  EXPECT_EQ(f.job(train_job).kind(), pb::TRAINING);
  pb::GhostProof v0_answer = f.model.answer(in0);

  pb::TrainProof step = f.model.train(in1, target, 0.5f);
  pb::TrainProof wrong_lr = step;
  wrong_lr.set_lr(0.25f);
  pb::TrainProof wrong_roots = step;
  wrong_roots.set_new_roots(0, std::string(32, 'r'));
  auto trained = f.chain.block({f.chain.tx(f.worker, body::train_result(train_job, wrong_lr)),
                                f.chain.tx(f.worker, body::train_result(train_job, wrong_roots)),
                                f.chain.tx(f.worker, body::train_result(train_job, step))});
  EXPECT_EQ(trained.receipts[0].status(), pb::BAD_PROOF);
  EXPECT_EQ(trained.receipts[1].status(), pb::BAD_PROOF);
  ASSERT_EQ(trained.receipts[2].status(), pb::OK) << trained.receipts[2].reason();
  f.model.apply();
  EXPECT_EQ(l.model(f.model.id())->version(), 1u);
  EXPECT_EQ(l.model_version(f.model.id(), 1)->roots(0), step.new_roots(0));
  ASSERT_TRUE(l.model_version(f.model.id(), 0));  // pinned by both jobs
  EXPECT_EQ(l.model_version(f.model.id(), 0)->pins(), 2u);
  // Version 1 is not final while its step can be challenged: inference still pins 0.
  EXPECT_EQ(l.model(f.model.id())->final_version(), 0u);
  Bytes early = f.chain.tx(f.client, body::request(f.model.id(), in1, kMaxFee));
  ASSERT_EQ(f.chain.block({early}).receipts[0].status(), pb::OK);
  EXPECT_EQ(f.job(tx_id(early)).version(), 0u);

  // The inference job still answers against version 0; a version 1 answer is refused.
  auto answered = f.chain.block({f.chain.tx(f.worker, body::result(infer_job, f.model.answer(in0))),
                                 f.chain.tx(f.worker, body::result(infer_job, v0_answer))});
  EXPECT_EQ(answered.receipts[0].status(), pb::VERSION_MISMATCH);
  EXPECT_EQ(answered.receipts[1].status(), pb::OK) << answered.receipts[1].reason();
  // A second step must start from version 1.
  Bytes req2 = f.chain.tx(owner, body::train_request(f.model.id(), in0, target, 0.5f, kMaxFee));
  ASSERT_EQ(f.chain.block({req2}).receipts[0].status(), pb::OK);
  EXPECT_EQ(f.chain.run(f.worker, body::train_result(tx_id(req2), step)).status(), pb::VERSION_MISMATCH);

  for (int i = 0; i < 4; ++i) f.chain.block();
  EXPECT_EQ(f.job(train_job).status(), pb::SETTLED);
  EXPECT_EQ(f.job(infer_job).status(), pb::SETTLED);
  EXPECT_EQ(l.model(f.model.id())->final_version(), 1u);
  EXPECT_EQ(f.job(tx_id(early)).status(), pb::REFUNDED);  // nobody answered it
  EXPECT_FALSE(l.model_version(f.model.id(), 0));  // nothing refers to version 0 any more
  ASSERT_TRUE(l.model_version(f.model.id(), 1));
  Bytes late = f.chain.tx(f.client, body::request(f.model.id(), in1, kMaxFee));
  ASSERT_EQ(f.chain.block({late}).receipts[0].status(), pb::OK);
  EXPECT_EQ(f.job(tx_id(late)).version(), 1u);
  expect_supply_conserved(l);
}

TEST(LedgerJobsTest, AProvenTrainingFraudDiscardsItsVersionAndEveryVersionBuiltOnIt) {
  pb::Genesis g = lenient_genesis();
  g.mutable_params()->set_challenge_blocks(10);  // both steps answered inside A's window
  JobChain f{.chain = Chain(g)};
  Ledger& l = f.chain.ledger();
  PrivateKey owner = user(0);
  const std::vector<float> target = {0, 1, 0, 0};
  auto train_job = [&](uint64_t seed) {
    Bytes req = f.chain.tx(owner, body::train_request(f.model.id(), f.model.input(seed), target, 0.5f, kMaxFee));
    EXPECT_EQ(f.chain.block({req}).receipts[0].status(), pb::OK);
    return tx_id(req);
  };
  // Step A (0 -> 1) from a degraded forward pass, step B (1 -> 2) honest on top of it.
  Hash32 a = train_job(30);
  pb::TrainProof cheat = f.model.train(f.model.input(30), target, 0.5f, /*drop=*/3);
  auto fraud = f.model.fraud(cheat.forward());
  ASSERT_TRUE(fraud);
  ASSERT_EQ(f.chain.run(f.worker, body::train_result(a, cheat)).status(), pb::OK);
  f.model.apply();
  Hash32 b = train_job(31);
  pb::TrainProof honest = f.model.train(f.model.input(31), target, 0.5f);
  ASSERT_EQ(f.chain.run(f.worker, body::train_result(b, honest)).status(), pb::OK);
  EXPECT_EQ(l.model(f.model.id())->version(), 2u);
  EXPECT_EQ(l.model_version(f.model.id(), 2)->created_by(), str(b));
  Hash32 served = f.request(f.model.input(32));
  EXPECT_EQ(f.job(served).version(), 0u);  // inference never rests on a pending step

  const uint64_t owner0 = f.chain.balance(owner);
  auto won = f.chain.run(user(5), body::challenge(a, cheat.forward(), *fraud));
  ASSERT_EQ(won.status(), pb::OK) << won.reason();
  EXPECT_EQ(f.job(a).status(), pb::CHALLENGED);
  EXPECT_EQ(f.job(b).status(), pb::ROLLED_BACK);
  EXPECT_TRUE(f.job(b).proof_hash().empty());
  const uint64_t penalty = l.params().fault_penalty_prices() * kPrice;
  // The owner (the client of both) gets both escrows back and the penalty's client share.
  EXPECT_EQ(f.chain.balance(owner), owner0 + 2 * kMaxFee + (penalty - penalty / 2));
  pb::ModelInfo m = *l.model(f.model.id());
  EXPECT_EQ(m.version(), 0u);
  EXPECT_EQ(m.final_version(), 0u);
  EXPECT_FALSE(l.model_version(f.model.id(), 1));
  EXPECT_FALSE(l.model_version(f.model.id(), 2));
  ASSERT_TRUE(l.model_version(f.model.id(), 0));
  EXPECT_EQ(l.model_version(f.model.id(), 0)->pins(), 1u);  // the inference job
  // B's worker is neither paid nor penalized; the steps' settlements pass over both jobs.
  const uint64_t worker_balance = f.chain.balance(f.worker);
  for (int i = 0; i < 5; ++i) f.chain.block();
  EXPECT_EQ(f.job(b).status(), pb::ROLLED_BACK);
  EXPECT_EQ(f.chain.balance(f.worker), worker_balance);
  EXPECT_EQ(l.model(f.model.id())->final_version(), 0u);
  // Training starts again from version 0: a step from the discarded version 1 is refused.
  Hash32 c = train_job(33);
  EXPECT_EQ(f.chain.run(f.worker, body::train_result(c, honest)).status(), pb::VERSION_MISMATCH);
  expect_supply_conserved(l);
}

}  // namespace
}  // namespace ghost::ledger
