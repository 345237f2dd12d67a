// The worker's answer log (node/worker/answer_log.h): what a restart reads after a crash.
#include <gtest/gtest.h>

#include <fstream>

#include "node/worker/answer_log.h"
#include "tests/temp_dir.h"

namespace ghost::worker {
namespace {

using test::TempDir;

Bytes tx(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(AnswerLog, RecordsSurviveAReopenAndAReplacementWins) {
  TempDir d;
  const Hash32 a = sha256("job a"), b = sha256("job b");
  {
    auto log = AnswerLog::open(d.path / "worker");
    ASSERT_TRUE(log) << log.error().message;
    ASSERT_TRUE((*log)->record(a, tx("answer a, nonce 1")));
    ASSERT_TRUE((*log)->record(b, tx("answer b, nonce 2")));
    ASSERT_TRUE((*log)->record(a, tx("answer a, nonce 3")));  // re-signed after the mempool refused it
  }
  auto log = AnswerLog::open(d.path / "worker");
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ((*log)->answer(a), tx("answer a, nonce 3"));
  EXPECT_EQ((*log)->answer(b), tx("answer b, nonce 2"));
  EXPECT_FALSE((*log)->answer(sha256("never answered")));
  auto all = (*log)->all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].first.hex(), all[1].first.hex());
}

TEST(AnswerLog, ForgottenJobsAreGoneAfterAReopen) {
  TempDir d;
  const Hash32 a = sha256("job a"), b = sha256("job b");
  {
    auto log = AnswerLog::open(d.path);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->record(a, tx("a")));
    ASSERT_TRUE((*log)->record(b, tx("b")));
    ASSERT_TRUE((*log)->forget(a));
    ASSERT_TRUE((*log)->forget(sha256("not there")));  // nothing to forget is not an error
  }
  auto log = AnswerLog::open(d.path);
  ASSERT_TRUE(log);
  EXPECT_FALSE((*log)->answer(a));
  ASSERT_EQ((*log)->all().size(), 1u);
  EXPECT_EQ((*log)->all()[0].first, b);
}

TEST(AnswerLog, OneProcessAtATime) {
  TempDir d;
  auto first = AnswerLog::open(d.path);
  ASSERT_TRUE(first);
  auto second = AnswerLog::open(d.path);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(d.path.string()), std::string::npos) << second.error().message;
}

TEST(AnswerLog, AFolderThatCannotBeCreatedIsAClearError) {
  TempDir d;
  std::ofstream(d.path / "file") << "x";
  auto log = AnswerLog::open(d.path / "file" / "worker");
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, Errc::kIo);
}

}  // namespace
}  // namespace ghost::worker
