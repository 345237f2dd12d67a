// The [worker] settings (node/worker/config.h): values that parse but cannot work are refused.
#include <gtest/gtest.h>

#include "node/worker/config.h"

namespace ghost::worker {
namespace {

TEST(WorkerConfig, DefaultsAreValid) { EXPECT_TRUE(validate_worker_config(WorkerConfig{})); }

TEST(WorkerConfig, NoQueueNoThreadsOrAnEmptyFolderIsRefusedByName) {
  WorkerConfig c;
  c.queue = 0;
  auto r = validate_worker_config(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("worker.queue"), std::string::npos);
  c = {};
  c.threads = 0;
  r = validate_worker_config(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("worker.threads"), std::string::npos);
  c = {};
  c.model_dirs = {"models/a", ""};
  r = validate_worker_config(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("worker.model_dirs"), std::string::npos);
}

}  // namespace
}  // namespace ghost::worker
