// A node's home folder (node/daemon/home.h): init, refusals that write nothing, the lock.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "base/file.h"
#include "consensus/ledger/genesis.h"
#include "crypto/keystore.h"
#include "node/daemon/home.h"
#include "tests/temp_dir.h"

namespace ghost::daemon {
namespace {

using test::TempDir;

InitOptions options(bool encrypted = false) {
  InitOptions o;
  o.chain_id = "ghost-home";
  o.config.chain_id = o.chain_id;
  if (encrypted) o.passphrase = "correct horse";
  else o.insecure_unencrypted_keys = true;
  return o;
}

size_t files_under(const std::filesystem::path& p) {
  size_t n = 0;
  if (std::filesystem::exists(p))
    for (auto& e : std::filesystem::recursive_directory_iterator(p)) n += e.is_regular_file();
  return n;
}

TEST(Home, InitWritesConfigGenesisAndKeysThatLoad) {
  TempDir d;
  Home h{d.path / "n0"};
  auto made = init_home(h, options(true));
  ASSERT_TRUE(made) << made.error().message;
  auto config = load_config(h.config());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->chain_id, "ghost-home");
  auto g = load_genesis(h);
  ASSERT_TRUE(g) << g.error().message;
  ASSERT_EQ(g->validators_size(), 1);
  EXPECT_EQ(as_bytes(g->validators(0).consensus_pubkey()).size(), 32u);
  EXPECT_TRUE(std::equal(made->validator_key.bytes.begin(), made->validator_key.bytes.end(),
                         as_bytes(g->validators(0).consensus_pubkey()).begin()));
  // Encrypted keys need the passphrase; the wrong one is refused.
  KeysConfig keys = config->keys;
  keys.passphrase_file = (d.path / "pass").string();
  std::ofstream(keys.passphrase_file) << "correct horse\n";
  auto vk = load_home_key(h, keys, keys.validator_key);
  ASSERT_TRUE(vk) << vk.error().message;
  EXPECT_EQ(vk->public_key(), made->validator_key);
  std::ofstream(keys.passphrase_file) << "wrong\n";
  EXPECT_EQ(load_home_key(h, keys, keys.validator_key).error().code, Errc::kDenied);
  keys.passphrase_file.clear();
  ::unsetenv("GHOSTD_PASSPHRASE");
  EXPECT_EQ(load_home_key(h, keys, keys.node_key).error().code, Errc::kDenied);
}

TEST(Home, UnencryptedKeysNeedTheConfigSwitch) {
  TempDir d;
  Home h{d.path / "n0"};
  ASSERT_TRUE(init_home(h, options(false)));
  auto config = load_config(h.config());
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->keys.allow_unencrypted);
  EXPECT_TRUE(load_home_key(h, config->keys, config->keys.node_key));
  config->keys.allow_unencrypted = false;
  EXPECT_EQ(load_home_key(h, config->keys, config->keys.node_key).error().code, Errc::kDenied);
}

TEST(Home, WorkerKeyIsWrittenOnlyWhenAskedAndProtectedLikeTheOthers) {
  TempDir d;
  Home plain{d.path / "plain"};
  auto made = init_home(plain, options(true));
  ASSERT_TRUE(made);
  EXPECT_FALSE(made->worker_key);
  EXPECT_FALSE(std::filesystem::exists(plain.key(KeysConfig{}.worker_key)));

  Home w{d.path / "w"};
  InitOptions o = options(true);
  o.worker = true;
  made = init_home(w, o);
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_TRUE(made->worker_key);
  auto config = load_config(w.config());
  ASSERT_TRUE(config);
  auto info = inspect_keystore_file(w.key(config->keys.worker_key));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->encrypted);
  KeysConfig keys = config->keys;
  keys.passphrase_file = (d.path / "pass").string();
  std::ofstream(keys.passphrase_file) << "correct horse\n";
  auto wk = load_home_key(w, keys, keys.worker_key);
  ASSERT_TRUE(wk) << wk.error().message;
  EXPECT_EQ(wk->public_key(), *made->worker_key);

  Home u{d.path / "u"};
  o = options(false);
  o.worker = true;
  ASSERT_TRUE(init_home(u, o));
  info = inspect_keystore_file(u.key(KeysConfig{}.worker_key));
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->encrypted);
}

TEST(Home, SecondInitIsRefusedAndChangesNothing) {
  TempDir d;
  Home h{d.path / "n0"};
  ASSERT_TRUE(init_home(h, options()));
  const std::string before = std::to_string(files_under(h.root));
  auto again = init_home(h, options());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kExists);
  EXPECT_EQ(std::to_string(files_under(h.root)), before);
}

TEST(Home, GenesisOfAnotherChainIsRefusedAndNothingIsWritten) {
  TempDir d;
  Home a{d.path / "a"};
  ASSERT_TRUE(init_home(a, options()));
  InitOptions o = options();
  o.chain_id = o.config.chain_id = "other-chain";
  o.genesis = a.genesis();
  auto r = init_home(Home{d.path / "b"}, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMismatch);
  EXPECT_EQ(files_under(d.path / "b"), 0u);
}

TEST(Home, NeitherOrBothKeyProtectionsIsAUsageError) {
  TempDir d;
  InitOptions o = options();
  o.insecure_unencrypted_keys = false;
  EXPECT_FALSE(init_home(Home{d.path / "x"}, o));
  o = options(true);
  o.insecure_unencrypted_keys = true;
  EXPECT_FALSE(init_home(Home{d.path / "y"}, o));
  EXPECT_EQ(files_under(d.path), 0u);
}

TEST(Home, LockIsExclusiveAndReleasedWithTheObject) {
  TempDir d;
  Home h{d.path};
  {
    auto first = HomeLock::acquire(h);
    ASSERT_TRUE(first);
    auto second = HomeLock::acquire(h);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::kDenied);
  }
  EXPECT_TRUE(HomeLock::acquire(h));
}

TEST(Home, RunningGhostdIsTheLockHolderOnly) {
  TempDir d;
  Home h{d.path};
  EXPECT_FALSE(running_ghostd(h));  // no lock file yet
  {
    auto lock = HomeLock::acquire(h);
    ASSERT_TRUE(lock);
    EXPECT_EQ(running_ghostd(h), ::getpid());
  }
  EXPECT_FALSE(running_ghostd(h));  // the pid is still in the file, but nobody holds it
  ASSERT_TRUE(write_file_atomic(h.lock(), as_bytes(std::string("1\n"))));
  EXPECT_FALSE(running_ghostd(h));  // a live process that does not hold the file
  ASSERT_TRUE(write_file_atomic(h.lock(), as_bytes(std::string("junk"))));
  EXPECT_FALSE(running_ghostd(h));
}

}  // namespace
}  // namespace ghost::daemon
