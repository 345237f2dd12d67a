// A served model folder (node/worker/served_model.h): matched against the chain, answering on
// the version a job pins, and keeping the final version while a newer one is pending.
#include <gtest/gtest.h>

#include "node/worker/served_model.h"
#include "tests/unit/worker/worker_kit.h"

namespace ghost::worker {
namespace {

using namespace test;
constexpr uint64_t kMaxFee = 80'000;

// A training step the chain accepted, as a worker reads it from the block. With `drop`, the
// step's forward pass lacks its best columns, and `cheat` gets the job and its fraud proof.
struct Cheat {
  Hash32 job;
  pb::GhostProof forward;
  pb::SearchFraudProof fraud;
};
CommittedStep commit_step(JobChain& f, const Bytes& input, uint32_t drop = 0, Cheat* cheat = nullptr) {
  const std::vector<float> target = {0, 1, 0, 0};
  Bytes req = f.chain.tx(user(0), body::train_request(f.model.id(), input, target, 0.5f, kMaxFee));
  f.block({req});
  const Hash32 job = ledger::tx_id(req);
  pb::TrainProof step = f.model.train(input, target, 0.5f, drop);
  if (cheat) {
    auto fraud = f.model.fraud(step.forward());
    EXPECT_TRUE(fraud) << "the degraded step is a provable fault";
    if (fraud) *cheat = {job, step.forward(), *fraud};
  }
  f.model.apply();
  auto [b, results] = f.block({f.chain.tx(f.worker_of(job), body::train_result(job, step))});
  EXPECT_EQ(results.receipts(0).status(), pb::OK) << results.receipts(0).reason();
  auto trained = steps_in(read_block(f.chain.ledger(), b, results, addr(worker_op(0))));
  EXPECT_EQ(trained.size(), 1u);
  return trained.at(0);
}

// A worker's folder that applied a cheating step 0 -> 1 and `honest` steps on top, then
// stopped (the folder closed); the fraud is not proven yet.
Cheat apply_then_stop(JobChain& f, const std::filesystem::path& dir, int honest) {
  auto served = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  EXPECT_TRUE(served) << served.error().message;
  Cheat cheat;
  EXPECT_TRUE((*served)->apply(commit_step(f, f.model.input(30), /*drop=*/3, &cheat)));
  for (int i = 0; i < honest; ++i) EXPECT_TRUE((*served)->apply(commit_step(f, f.model.input(31 + i))));
  return cheat;
}

// The challenge that proves `cheat`, committed: the chain discards its step and those after it.
void prove(JobChain& f, const Cheat& cheat) {
  auto [b, results] = f.block({f.chain.tx(user(5), body::challenge(cheat.job, cheat.forward, cheat.fraud))});
  ASSERT_EQ(results.receipts(0).status(), pb::OK) << results.receipts(0).reason();
  ASSERT_EQ(f.chain.ledger().model(f.model.id())->version(), 0u);
}

std::vector<Hash32> roots_of(const std::filesystem::path& dir) {
  ml::ModelOptions o;
  o.access = ml::StoreAccess::read;
  auto m = ml::Model::open(dir, o);
  EXPECT_TRUE(m) << m.error().message;
  return m ? (*m)->weight_roots() : std::vector<Hash32>{};
}

// The folder answers `input` at `version` with a proof that verifies against the chain's roots.
void expect_serves(const ServedModel& m, JobChain& f, uint64_t version, ByteSpan input) {
  auto proof = m.prove_inference(version, input);
  ASSERT_TRUE(proof) << proof.error().message;
  auto v = chain_version(f.chain.ledger(), f.model.id(), version);
  ASSERT_TRUE(v);
  auto ok = ml::verify_ghost_proof(*proof, *v);
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST(ServedModel, AFolderIsServedOnlyForAModelItsWorkerIsStakedFor) {
  JobChain f;
  TempDir d;
  auto dir = build_folder(d);
  auto served = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(1)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ((*served)->model_id(), f.model.id());
  EXPECT_EQ((*served)->version(), 0u);
  served->reset();  // the folder has one writer

  auto unstaked = ServedModel::open(dir, f.chain.ledger(), addr(user(3)), 1, f.blocks_at());
  ASSERT_FALSE(unstaked);
  EXPECT_NE(unstaked.error().message.find("no worker stake"), std::string::npos) << unstaked.error().message;

  auto other = ServedModel::open(build_folder(d, 6), f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kMismatch);
  EXPECT_NE(other.error().message.find(f.model.id().hex().substr(0, 16)), std::string::npos) << other.error().message;

  auto missing = ServedModel::open(d.path / "none", f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open the model folder"), std::string::npos);
}

TEST(ServedModel, AfterAStepBothTheFinalAndTheNewVersionAreAnswered) {
  JobChain f;
  TempDir d;
  auto served = ServedModel::open(build_folder(d), f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  ServedModel& m = **served;
  const Bytes x = f.model.input(11);
  expect_serves(m, f, 0, x);
  auto not_yet = m.prove_inference(1, x);
  ASSERT_FALSE(not_yet);
  EXPECT_EQ(not_yet.error().code, Errc::kNotFound);

  const CommittedStep step = commit_step(f, f.model.input(3));
  ASSERT_TRUE(m.apply(step));
  EXPECT_EQ(m.version(), 1u);
  EXPECT_TRUE(m.apply(step)) << "a step applied before is skipped";
  EXPECT_EQ(m.version(), 1u);

  expect_serves(m, f, 0, x);  // inference still pins the final version 0
  expect_serves(m, f, 1, x);

  m.keep_from(1);  // version 1 became final
  EXPECT_EQ(m.prove_inference(0, x).error().code, Errc::kNotFound);
  EXPECT_TRUE(m.prove_inference(1, x));
}

TEST(ServedModel, AStepFromAVersionTheFolderNeverGotIsRefused) {
  JobChain f;
  TempDir d;
  auto served = ServedModel::open(build_folder(d), f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served);
  CommittedStep step = commit_step(f, f.model.input(3));
  step.from.version = 4;
  auto r = (*served)->apply(step);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("never got"), std::string::npos) << r.error().message;
  step.from.version = 0;
  step.proof.set_lr(0.75f);  // not the step the chain accepted: refused, weights unchanged
  EXPECT_FALSE((*served)->apply(step));
  EXPECT_EQ((*served)->version(), 0u);
  EXPECT_TRUE((*served)->prove_inference(0, f.model.input(1)));
}

TEST(ServedModel, AFolderLeftBehindCatchesUpFromTheBlocks) {
  JobChain f;
  TempDir d;
  const auto dir = build_folder(d);
  commit_step(f, f.model.input(3));
  commit_step(f, f.model.input(4));
  ASSERT_EQ(f.chain.ledger().model(f.model.id())->version(), 2u);
  auto served = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  ASSERT_EQ((*served)->version(), 0u);  // the final version, still kept by the chain

  auto none = [](uint64_t) { return std::optional<pb::Block>(); };
  EXPECT_FALSE(steps_since(f.chain.ledger(), f.model.id(), 0, none)) << "blocks not stored: cannot catch up";
  auto steps = steps_since(f.chain.ledger(), f.model.id(), 0, [&](uint64_t h) { return f.block_at(h); });
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 2u);
  for (const auto& step : *steps) ASSERT_TRUE((*served)->apply(step));
  EXPECT_EQ((*served)->version(), 2u);
  expect_serves(**served, f, 2, f.model.input(9));
  EXPECT_TRUE(steps_since(f.chain.ledger(), f.model.id(), 2, none)->empty());
}

TEST(ServedModel, AProvenFraudInAPendingStepReturnsTheFolderToTheStepsStart) {
  JobChain f;
  TempDir d;
  auto served = ServedModel::open(build_folder(d), f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  ServedModel& m = **served;
  const ml::ModelVersion v0 = *chain_version(f.chain.ledger(), f.model.id(), 0);
  // A cheating step 0 -> 1 and an honest one on top (1 -> 2), both applied.
  Cheat cheat;
  ASSERT_TRUE(m.apply(commit_step(f, f.model.input(30), /*drop=*/3, &cheat)));
  ASSERT_TRUE(m.apply(commit_step(f, f.model.input(31))));
  ASSERT_EQ(m.version(), 2u);

  // Proven: the chain discards both steps, and the block says so.
  auto [b, results] = f.block({f.chain.tx(user(5), body::challenge(cheat.job, cheat.forward, cheat.fraud))});
  ASSERT_EQ(results.receipts(0).status(), pb::OK) << results.receipts(0).reason();
  ASSERT_EQ(f.chain.ledger().model(f.model.id())->version(), 0u);
  const BlockNews news = read_block(f.chain.ledger(), b, results, addr(worker_op(1)));
  ASSERT_EQ(news.changes.size(), 1u);
  const auto* back = std::get_if<RollBack>(&news.changes[0]);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->model_id, f.model.id());
  EXPECT_EQ(back->to, 0u);

  ASSERT_TRUE(m.roll_back(back->to, {}));
  EXPECT_EQ(m.version(), 0u);
  EXPECT_EQ(m.prove_inference(1, f.model.input(9)).error().code, Errc::kNotFound) << "version 1 is gone";
  expect_serves(m, f, 0, f.model.input(9));
  EXPECT_TRUE(m.roll_back(0, {})) << "a second rollback to where the folder is changes nothing";

  // Training resumes from version 0: the chain accepts the worker's next step.
  const std::vector<float> target = {1, 0, 0, 0};
  Bytes req = f.chain.tx(user(0), body::train_request(f.model.id(), f.model.input(32), target, 0.5f, kMaxFee));
  f.block({req});
  auto step = m.prove_training(f.model.input(32), target, 0.5f);
  ASSERT_TRUE(step) << step.error().message;
  EXPECT_EQ(step->forward().version(), 0u);
  const Hash32 job = ledger::tx_id(req);
  auto [b2, r2] = f.block({f.chain.tx(f.worker_of(job), body::train_result(job, *step))});
  EXPECT_EQ(r2.receipts(0).status(), pb::OK) << r2.receipts(0).reason();
  auto again = steps_in(read_block(f.chain.ledger(), b2, r2, addr(worker_op(0))));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].from.roots, v0.roots);
  ASSERT_TRUE(m.apply(again[0]));
  EXPECT_EQ(m.version(), 1u);
}

TEST(ServedModel, ARollbackToAVersionNoLongerKeptIsRefusedAndChangesNothing) {
  JobChain f;
  TempDir d;
  auto served = ServedModel::open(build_folder(d), f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served);
  ServedModel& m = **served;
  ASSERT_TRUE(m.apply(commit_step(f, f.model.input(3))));
  m.keep_from(1);  // version 0 forgotten
  auto r = m.roll_back(0, discarded_results(f.chain.ledger(), f.model.id(), f.blocks_at()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("replace the folder"), std::string::npos) << r.error().message;
  EXPECT_EQ(m.version(), 1u);
  expect_serves(m, f, 1, f.model.input(9));
}

TEST(ServedModel, AFolderAtAVersionDiscardedWhileItWasDownIsUndoneFromTheBlocksThenCaughtUp) {
  JobChain f;
  TempDir d, o;
  const auto dir = build_folder(d);
  auto other = ServedModel::open(build_folder(o), f.chain.ledger(), addr(worker_op(1)), 1, f.blocks_at());
  ASSERT_TRUE(other) << other.error().message;  // a worker that was up: it stays at version 0
  prove(f, apply_then_stop(f, dir, /*honest=*/1));  // down at version 2, both steps discarded
  // Training resumes from version 0 with another worker's step: the chain is at a new version 1.
  const std::vector<float> target = {1, 0, 0, 0};
  Bytes req = f.chain.tx(user(0), body::train_request(f.model.id(), f.model.input(40), target, 0.5f, kMaxFee));
  f.block({req});
  auto step = (*other)->prove_training(f.model.input(40), target, 0.5f);
  ASSERT_TRUE(step) << step.error().message;
  const Hash32 job = ledger::tx_id(req);
  auto [b, r] = f.block({f.chain.tx(f.worker_of(job), body::train_result(job, *step))});
  ASSERT_EQ(r.receipts(0).status(), pb::OK) << r.receipts(0).reason();
  ASSERT_EQ(f.chain.ledger().model(f.model.id())->version(), 1u);

  // Restarted: the folder is no version the chain keeps, and returns to version 0 on its own.
  auto served = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  ServedModel& m = **served;
  EXPECT_EQ(m.version(), 0u);
  EXPECT_EQ(roots_of(dir), chain_version(f.chain.ledger(), f.model.id(), 0)->roots);
  auto caught_up = m.catch_up(f.chain.ledger(), f.blocks_at());
  ASSERT_TRUE(caught_up) << caught_up.error().message;
  EXPECT_EQ(*caught_up, 1u);
  EXPECT_EQ(m.version(), 1u);
  expect_serves(m, f, 1, f.model.input(9));
}

TEST(ServedModel, AFolderAtADiscardedVersionWhoseBlocksAreMissingIsRefusedUnchanged) {
  JobChain f;
  TempDir d;
  const auto dir = build_folder(d);
  prove(f, apply_then_stop(f, dir, /*honest=*/1));
  const std::vector<Hash32> before = roots_of(dir);
  ASSERT_NE(before, chain_version(f.chain.ledger(), f.model.id(), 0)->roots);

  // The blocks of the discarded steps are not stored (pruned): refused, saying what to do.
  BlockAt pruned = [](uint64_t) { return std::optional<pb::Block>(); };
  auto refused = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(0)), 1, pruned);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kMismatch);
  const std::string& why = refused.error().message;
  EXPECT_NE(why.find("no version the chain keeps"), std::string::npos) << why;
  EXPECT_NE(why.find("is not stored here"), std::string::npos) << why;
  EXPECT_NE(why.find("copy the registered model's folder"), std::string::npos) << why;
  EXPECT_EQ(roots_of(dir), before) << "a folder refused is unchanged";

  // Another model's folder is no discarded version either: the usual refusal.
  auto stranger = ServedModel::open(build_folder(d, 6), f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().message.find("not stored"), std::string::npos) << stranger.error().message;

  // With the blocks, the same folder returns to version 0.
  auto served = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ((*served)->version(), 0u);
}

TEST(ServedModel, AWorkerRestartedBetweenAStepAndItsRollbackUndoesItFromTheBlocks) {
  JobChain f;
  TempDir d;
  const auto dir = build_folder(d);
  const Cheat cheat = apply_then_stop(f, dir, /*honest=*/0);
  auto served = ServedModel::open(dir, f.chain.ledger(), addr(worker_op(0)), 1, f.blocks_at());
  ASSERT_TRUE(served) << served.error().message;
  ServedModel& m = **served;
  ASSERT_EQ(m.version(), 1u);  // the pending version: this process never kept version 0
  prove(f, cheat);

  auto r = m.roll_back(0, {});
  ASSERT_FALSE(r) << "without the discarded steps' results, version 0 is nowhere";
  EXPECT_NE(r.error().message.find("replace the folder"), std::string::npos) << r.error().message;
  EXPECT_EQ(m.version(), 1u);

  ASSERT_TRUE(m.roll_back(0, discarded_results(f.chain.ledger(), f.model.id(), f.blocks_at())));
  EXPECT_EQ(m.version(), 0u);
  expect_serves(m, f, 0, f.model.input(9));
}

}  // namespace
}  // namespace ghost::worker
