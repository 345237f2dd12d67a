// ghostd's configuration (node/daemon/config.h): the TOML file, flags, and their errors.
#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "node/daemon/config.h"
#include "tests/temp_dir.h"

namespace ghost::daemon {
namespace {

using test::TempDir;

std::filesystem::path write(const TempDir& d, const std::string& text) {
  auto p = d.path / "config.toml";
  std::ofstream(p) << text;
  return p;
}

NodeConfig sample() {
  NodeConfig c;
  c.chain_id = "ghost-test";
  c.moniker = "n0";
  c.p2p.listen = "127.0.0.1:0";
  c.p2p.persistent_peers = {"127.0.0.1:1", "aa@127.0.0.1:2"};
  c.rpc.requests_per_second = 12.5;
  c.consensus.test_equivocate = true;
  c.mempool.max_txs = 7;
  c.worker.model_dirs = {"models/fashion", "/srv/models/other"};
  c.worker.queue = 9;
  c.worker.threads = 3;
  c.keys.worker_key = "keys/w.json";
  return c;
}

TEST(Config, WrittenFileReadsBackFieldForField) {
  TempDir d;
  NodeConfig c = sample();
  auto back = load_config(write(d, config_toml(c)));
  ASSERT_TRUE(back) << back.error().message;
  NodeConfig b = *back;
  auto fa = fields_of(c), fb = fields_of(b);
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i)
    std::visit([&](auto* x) { EXPECT_EQ(*x, *std::get<std::remove_reference_t<decltype(x)>>(fb[i].target)) << fa[i].name; },
               fa[i].target);
}

TEST(Config, EveryFieldHasHelpAndAUniqueName) {
  NodeConfig c;
  std::set<std::string> names;
  for (const auto& f : fields_of(c)) {
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
  }
}

TEST(Config, ErrorsNameTheKey) {
  TempDir d;
  const std::string base = "chain_id = \"x\"\n";
  auto expect_error = [&](const std::string& text, const std::string& what) {
    auto r = load_config(write(d, text));
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::kInvalid);
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
  };
  expect_error(base + "[p2p]\nlisten = 5\n", "p2p.listen must be a string");
  expect_error(base + "[p2p]\nnope = 5\n", "unknown setting p2p.nope");
  expect_error(base + "[rpc]\nmax_connections = -1\n", "rpc.max_connections must not be negative");
  expect_error(base + "[rpc]\nmax_connections = 99999999999\n", "out of range");
  expect_error(base + "[log]\nlevel = \"loud\"\n", "log.level");
  expect_error(base + "[p2p]\npersistent_peers = [1]\n", "array of strings");
  expect_error(base + "[[broken", "not valid TOML");
  expect_error(base + "[p2p]\nmax_frame_bytes = 16777217\n", "the WAL's record limit");
  expect_error("moniker = \"m\"\n", "chain_id is empty");
  expect_error(base + "[worker]\nqueue = 0\n", "worker.queue must be positive");
  expect_error(base + "[worker]\nmodel_dirs = \"one\"\n", "worker.model_dirs must be an array of strings");
  EXPECT_EQ(load_config(d.path / "none.toml").error().code, Errc::kNotFound);
}

TEST(Config, FlagsSetFieldsFromText) {
  NodeConfig c = sample();
  ASSERT_TRUE(set_field(c, "p2p.persistent_peers", "a:1,b:2"));
  EXPECT_EQ(c.p2p.persistent_peers, (std::vector<std::string>{"a:1", "b:2"}));
  ASSERT_TRUE(set_field(c, "rpc.burst", "3.5"));
  EXPECT_EQ(c.rpc.burst, 3.5);
  ASSERT_TRUE(set_field(c, "consensus.test_equivocate", "false"));
  EXPECT_FALSE(c.consensus.test_equivocate);
  ASSERT_TRUE(set_field(c, "p2p.ban_score", "-3"));
  EXPECT_EQ(c.p2p.ban_score, -3);
  EXPECT_FALSE(validate_config(c));
  EXPECT_FALSE(set_field(c, "p2p.max_inbound", "12x"));
  EXPECT_FALSE(set_field(c, "p2p.max_inbound", "99999999999"));
  EXPECT_FALSE(set_field(c, "rpc.burst", ""));
  EXPECT_FALSE(set_field(c, "consensus.test_equivocate", "yes"));
  EXPECT_FALSE(set_field(c, "no.such", "1"));
  ASSERT_TRUE(set_field(c, "worker.model_dirs", "m1,/abs/m2"));
  EXPECT_EQ(c.worker.model_dirs, (std::vector<std::string>{"m1", "/abs/m2"}));
  ASSERT_TRUE(set_field(c, "p2p.ban_score", "5"));
  ASSERT_TRUE(validate_config(c));
  ASSERT_TRUE(set_field(c, "worker.threads", "0"));
  auto v = validate_config(c);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("worker.threads"), std::string::npos);
}

}  // namespace
}  // namespace ghost::daemon
