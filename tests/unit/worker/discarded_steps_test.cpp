// The walk back from a discarded version (node/worker/discarded_steps.h), on real training
// proofs: the right branch among steps discarded from the same version, and the refusals.
#include <gtest/gtest.h>

#include "node/worker/discarded_steps.h"
#include "tests/unit/worker/worker_kit.h"

namespace ghost::worker {
namespace {

using namespace test;
const std::vector<float> kTarget = {0, 1, 0, 0};

TEST(DiscardedSteps, TheWalkFollowsTheBranchThatEndsAtTheFolderAndItsUndoReturnsToTheStart) {
  // Two models with the same weights: two rollbacks each discarded steps from version 0.
  ledger::testkit::ServedModel a{addr(user(0))}, b{addr(user(0))};
  const ml::ModelVersion v0 = b.ml_version();
  DiscardedResults results;
  results.kept.emplace(0, v0);
  results.by_start[0].push_back(a.train(a.input(1), kTarget, 0.5f));
  results.by_start[0].push_back(b.train(b.input(2), kTarget, 0.5f));
  b.apply();
  results.by_start[1].push_back(b.train(b.input(3), kTarget, 0.5f));
  b.apply();
  const std::vector<Hash32> end = b.ml_version().roots;  // the folder's: b's version 2

  auto path = steps_to(results, end);
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(path->kept.version, 0u);
  ASSERT_EQ(path->steps.size(), 2u);
  EXPECT_EQ(path->steps[1].roots, end);

  // A folder of the same weights taken along the path, then undone: version 0 again.
  TempDir d;
  auto folder = ml::Model::open(build_folder(d), ml::ModelOptions{});
  ASSERT_TRUE(folder) << folder.error().message;
  ASSERT_EQ((*folder)->weight_roots(), v0.roots);
  for (const auto& step : path->steps) ASSERT_TRUE((*folder)->apply(step.writes));
  ASSERT_EQ((*folder)->weight_roots(), end);
  ASSERT_TRUE((*folder)->apply(undo_writes(*path)));
  EXPECT_EQ((*folder)->weight_roots(), v0.roots);
}

TEST(DiscardedSteps, WeightsNoDiscardedStepLeadsToAreRefusedNamingAMissingBlock) {
  ledger::testkit::ServedModel a{addr(user(0))};
  DiscardedResults results;
  results.kept.emplace(0, a.ml_version());
  results.by_start[0].push_back(a.train(a.input(1), kTarget, 0.5f));
  a.apply();
  const std::vector<Hash32> after = a.ml_version().roots;
  std::vector<Hash32> elsewhere = after;
  elsewhere[0].bytes[0] ^= 1;

  auto none = steps_to(results, elsewhere);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kMismatch);
  results.missing = 7;
  auto pruned = steps_to(results, elsewhere);
  ASSERT_FALSE(pruned);
  EXPECT_EQ(pruned.error().code, Errc::kNotFound);
  EXPECT_NE(pruned.error().message.find("block 7"), std::string::npos) << pruned.error().message;
  EXPECT_TRUE(steps_to(results, after)) << "a missing block elsewhere does not hide a path";

  results.kept.clear();  // the start version is no longer kept: nowhere to walk from
  EXPECT_FALSE(steps_to(results, after));
}

}  // namespace
}  // namespace ghost::worker
