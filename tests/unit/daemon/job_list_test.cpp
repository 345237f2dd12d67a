// GET /jobs (node/daemon/api.h job_list): the latest jobs first, the counts of all of them,
// and no inputs, outputs or proofs. Seeded random job sets with ties of height.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>

#include "node/daemon/api.h"

namespace ghost::daemon {
namespace {

namespace json = boost::json;

pb::Job random_job(std::mt19937_64& rng) {
  pb::Job j;
  std::string id(32, '\0');
  for (auto& c : id) c = char(rng());
  j.set_job_id(id);
  j.set_requested_height(rng() % 8);  // few heights: ties are ordered by id
  j.set_status(pb::JobStatus(1 + rng() % 6));
  j.set_kind(rng() % 2 ? pb::INFERENCE : pb::TRAINING);
  j.set_input(std::string(64, 'i'));
  j.set_output(std::string(16, 'o'));
  j.set_target(std::string(8, 't'));
  j.set_proof_hash(std::string(32, 'h'));
  return j;
}

std::string hex_of(const std::string& bytes) { return to_hex(as_bytes(bytes)); }

TEST(JobList, LatestFirstCountsOfAllAndNoHeavyFields) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::vector<pb::Job> jobs(rng() % 40);
    for (auto& j : jobs) j = random_job(rng);
    const size_t limit = 1 + rng() % 30;

    const json::object out = job_list(jobs, limit);
    ASSERT_EQ(out.at("total").as_uint64(), jobs.size());
    std::map<std::string, uint64_t> want_counts;
    for (const auto& j : jobs) ++want_counts[pb::JobStatus_Name(j.status())];
    const auto& counts = out.at("counts").as_object();
    ASSERT_EQ(counts.size(), want_counts.size());
    for (const auto& [status, n] : want_counts) EXPECT_EQ(counts.at(status).as_uint64(), n) << status;

    auto sorted = jobs;
    std::ranges::sort(sorted, [](const pb::Job& a, const pb::Job& b) {
      return std::pair(a.requested_height(), a.job_id()) > std::pair(b.requested_height(), b.job_id());
    });
    const auto& listed = out.at("jobs").as_array();
    ASSERT_EQ(listed.size(), std::min(limit, jobs.size()));
    for (size_t i = 0; i < listed.size(); ++i) {
      const auto& o = listed[i].as_object();
      EXPECT_EQ(o.at("id").as_string(), hex_of(sorted[i].job_id())) << i;
      EXPECT_EQ(o.at("status").as_string(), pb::JobStatus_Name(sorted[i].status())) << i;
      for (const char* heavy : {"input", "output", "target"}) EXPECT_FALSE(o.contains(heavy)) << heavy;
      EXPECT_TRUE(o.contains("requested_height") && o.contains("client") && o.contains("worker"));
    }
  }
}

TEST(JobList, NoJobs) {
  const json::object out = job_list({}, 20);
  EXPECT_EQ(json::serialize(out), R"({"total":0,"counts":{},"jobs":[]})");
}

}  // namespace
}  // namespace ghost::daemon
