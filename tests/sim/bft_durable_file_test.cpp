// node/durable_file.h on a real temporary directory, with the signer and WAL on top.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "consensus/bft/signer.h"
#include "consensus/bft/wal.h"
#include "node/chain/durable_dir.h"

namespace ghost::chain {
namespace {

struct DurableDirTest : ::testing::Test {
  std::filesystem::path dir;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("ghost-durable-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(DurableDirTest, AtomicWritesAppendsAndTruncation) {
  auto d = DurableDir::open(dir);
  ASSERT_TRUE(d);
  EXPECT_FALSE(*(*d)->read("state"));
  ASSERT_TRUE((*d)->write_atomic("state", as_bytes("one")));
  ASSERT_TRUE((*d)->write_atomic("state", as_bytes("two!")));
  EXPECT_EQ(**(*d)->read("state"), Bytes({'t', 'w', 'o', '!'}));
  EXPECT_FALSE(std::filesystem::exists(dir / ".state.tmp"));
  ASSERT_TRUE((*d)->append("log", as_bytes("ab")));
  ASSERT_TRUE((*d)->append("log", as_bytes("cd")));
  ASSERT_TRUE((*d)->sync("log"));
  ASSERT_TRUE((*d)->truncate("log", 3));
  ASSERT_TRUE((*d)->append("log", as_bytes("Z")));  // appends continue after a truncation
  ASSERT_TRUE((*d)->sync("log"));
  EXPECT_EQ(**(*d)->read("log"), Bytes({'a', 'b', 'c', 'Z'}));
  ASSERT_TRUE((*d)->write_atomic("log", as_bytes("new")));  // and after a replacement
  ASSERT_TRUE((*d)->append("log", as_bytes("+")));
  EXPECT_EQ(**(*d)->read("log"), Bytes({'n', 'e', 'w', '+'}));
}

TEST_F(DurableDirTest, RejectsNamesOutsideTheDirectory) {
  auto d = DurableDir::open(dir);
  for (std::string bad : {"", "../x", "a/b", ".hidden"}) {
    EXPECT_FALSE((*d)->write_atomic(bad, as_bytes("x"))) << bad;
    EXPECT_FALSE((*d)->append(bad, as_bytes("x"))) << bad;
    EXPECT_FALSE((*d)->read(bad)) << bad;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.parent_path() / "x"));
}

TEST_F(DurableDirTest, SignerAndWalSurviveReopening) {
  PrivateKey key = PrivateKey::from_seed("durable-dir-test");
  pb::Vote v;
  v.set_type(pb::PREVOTE);
  v.set_height(4);
  v.set_validator(std::string(key.public_key().bytes.begin(), key.public_key().bytes.end()));
  std::string sig;
  {
    auto d = DurableDir::open(dir);
    auto s = bft::Signer::open(key, "c", **d, "signer");
    ASSERT_TRUE(s);
    sig = s->sign_vote(v)->signature();
    auto w = bft::Wal::open(**d, "wal", nullptr);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->write(bft::TimeoutEvent{4, 0, bft::TimeoutKind::kPropose}));
    ASSERT_TRUE(w->write_sync(*s->sign_vote(v)));
  }
  {  // a torn tail, as a crash mid-append leaves it
    std::ofstream f(dir / "wal", std::ios::app | std::ios::binary);
    f << "\x05\x00";
  }
  auto d = DurableDir::open(dir);
  auto s = bft::Signer::open(key, "c", **d, "signer");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sign_vote(v)->signature(), sig);
  v.set_block_hash(std::string(32, '\7'));
  EXPECT_FALSE(s->sign_vote(v));
  bft::WalReplay r;
  ASSERT_TRUE(bft::Wal::open(**d, "wal", &r));
  EXPECT_TRUE(r.dropped_torn_tail);
  EXPECT_EQ(r.inputs.size(), 2u);
}

}  // namespace
}  // namespace ghost::chain
