// Finding a worker's jobs in committed blocks and in the state (node/worker/job_finder.h),
// over a real ledger with real requests, results and training steps.
#include <gtest/gtest.h>

#include "node/worker/job_finder.h"
#include "tests/unit/worker/worker_kit.h"

namespace ghost::worker {
namespace {

using namespace test;
constexpr uint64_t kMaxFee = 80'000;

TEST(JobFinder, ABlocksRequestsReachTheAssignedWorkerOnly) {
  JobChain f;
  std::vector<Bytes> txs;
  for (uint64_t i = 0; i < 6; ++i) txs.push_back(f.chain.tx(user(1), body::request(f.model.id(), f.model.input(i), kMaxFee)));
  auto [block, results] = f.block(txs);
  size_t found = 0;
  for (int w = 0; w < 2; ++w) {
    auto news = read_block(f.chain.ledger(), block, results, addr(worker_op(w)));
    for (const auto& j : news.assigned) {
      EXPECT_EQ(j.worker(), str(addr(worker_op(w))));
      EXPECT_EQ(j.status(), pb::ASSIGNED);
      EXPECT_EQ(j.kind(), pb::INFERENCE);
    }
    found += news.assigned.size();
    EXPECT_TRUE(news.changes.empty());
    EXPECT_EQ(open_jobs(f.chain.ledger(), addr(worker_op(w))).size(), news.assigned.size());
  }
  EXPECT_EQ(found, txs.size());
  EXPECT_TRUE(read_block(f.chain.ledger(), block, results, addr(user(5))).assigned.empty());
}

TEST(JobFinder, FailedTxsAndUndecodableBytesAreSkipped) {
  JobChain f;
  // Below the model's workers' price: a receipt that is not OK, so no job.
  Bytes cheap = f.chain.tx(user(1), body::request(f.model.id(), f.model.input(1), 1));
  auto [block, results] = f.block({cheap});
  ASSERT_NE(results.receipts(0).status(), pb::OK);
  for (int w = 0; w < 2; ++w) EXPECT_TRUE(read_block(f.chain.ledger(), block, results, addr(worker_op(w))).assigned.empty());
  // Bytes that are no tx, claimed OK: nothing found, nothing thrown.
  pb::Block junk = block;
  junk.set_txs(0, "\xff\xff not a tx");
  pb::BlockResults ok = results;
  ok.mutable_receipts(0)->set_status(pb::OK);
  for (int w = 0; w < 2; ++w) EXPECT_TRUE(read_block(f.chain.ledger(), junk, ok, addr(worker_op(w))).assigned.empty());
}

TEST(JobFinder, OpenJobsAreTheUnansweredOnesOldestFirst) {
  JobChain f;
  std::vector<Hash32> ids;
  for (uint64_t i = 0; i < 3; ++i) {  // blocks within job_deadline_blocks, so none expires
    std::vector<Bytes> txs;
    for (uint64_t k = 0; k < 3; ++k) txs.push_back(f.chain.tx(user(1), body::request(f.model.id(), f.model.input(i * 3 + k), kMaxFee)));
    f.block(txs);
    for (const auto& t : txs) ids.push_back(ledger::tx_id(t));
  }
  const Hash32 last = ids.back();
  const PrivateKey w = f.worker_of(last);
  auto open = open_jobs(f.chain.ledger(), addr(w));
  ASSERT_FALSE(open.empty());
  for (size_t i = 1; i < open.size(); ++i) EXPECT_LE(open[i - 1].requested_height(), open[i].requested_height());
  // Answered: no longer open.
  ASSERT_EQ(f.chain.run(w, body::result(last, f.model.answer(f.model.input(ids.size() - 1)))).status(), pb::OK);
  auto after = open_jobs(f.chain.ledger(), addr(w));
  EXPECT_EQ(after.size(), open.size() - 1);
  for (const auto& j : after) EXPECT_NE(j.job_id(), str(last));
  // Past their deadline the others are closed too.
  for (int i = 0; i < 5; ++i) f.block({});
  EXPECT_TRUE(open_jobs(f.chain.ledger(), addr(w)).empty());
}

TEST(JobFinder, AcceptedTrainingStepsReachEveryWorkerWithTheVersionTheyStartFrom) {
  JobChain f;
  const std::vector<float> target = {1, 0, 0, 0};
  const Bytes input = f.model.input(4);
  Bytes req = f.chain.tx(user(0), body::train_request(f.model.id(), input, target, 0.5f, kMaxFee));
  auto [rb, rr] = f.block({req});
  const Hash32 job = ledger::tx_id(req);
  const PrivateKey w = f.worker_of(job);
  auto mine = read_block(f.chain.ledger(), rb, rr, addr(w));
  ASSERT_EQ(mine.assigned.size(), 1u);
  EXPECT_EQ(mine.assigned[0].kind(), pb::TRAINING);

  const ml::ModelVersion v0 = f.model.ml_version();
  pb::TrainProof step = f.model.train(input, target, 0.5f);
  pb::TrainProof wrong = step;
  wrong.set_lr(0.25f);
  auto [b, results] = f.block({f.chain.tx(w, body::train_result(job, wrong)), f.chain.tx(w, body::train_result(job, step))});
  ASSERT_NE(results.receipts(0).status(), pb::OK);
  ASSERT_EQ(results.receipts(1).status(), pb::OK) << results.receipts(1).reason();
  for (int other = 0; other < 2; ++other) {
    auto news = read_block(f.chain.ledger(), b, results, addr(worker_op(other)));
    const auto trained = steps_in(news);
    ASSERT_EQ(news.changes.size(), 1u);  // the refused one is not a step
    ASSERT_EQ(trained.size(), 1u);
    EXPECT_EQ(trained[0].from.version, 0u);
    EXPECT_EQ(trained[0].from.model_id, f.model.id());
    EXPECT_EQ(trained[0].from.roots, v0.roots);
    EXPECT_EQ(trained[0].proof.lr(), 0.5f);
  }
  auto v1 = chain_version(f.chain.ledger(), f.model.id(), 1);
  ASSERT_TRUE(v1);
  EXPECT_NE(v1->roots, v0.roots);
  EXPECT_FALSE(chain_version(f.chain.ledger(), f.model.id(), 7));
  EXPECT_FALSE(chain_version(f.chain.ledger(), sha256("no model"), 0));
}

}  // namespace
}  // namespace ghost::worker
