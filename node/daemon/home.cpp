#include "node/daemon/home.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/file.h"
#include "consensus/ledger/genesis.h"
#include "consensus/ledger/params.h"
#include "crypto/keystore.h"
#include "node/log/log.h"

namespace ghost::daemon {

Result<HomeLock> HomeLock::acquire(const Home& home) {
  std::filesystem::path p = home.root / "ghostd.lock";
  int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::kIo, "cannot open " + p.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return fail(Errc::kDenied, "another ghostd is running on " + home.root.string() +
                                   " (stop it first, or give this one another --home)");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size()))
    log::warn("node", "cannot write the pid into the home's lock file", {{"file", p.string()}, {"error", std::strerror(errno)}});
  return HomeLock(fd);
}

std::optional<int> running_ghostd(const Home& home) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path lock = fs::canonical(home.lock(), ec);
  if (ec) return std::nullopt;
  auto text = read_file(lock, 64);
  if (!text) return std::nullopt;
  int pid = 0;
  for (uint8_t c : *text) {
    if (c < '0' || c > '9') break;
    if (pid > 100'000'000) return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0) return std::nullopt;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
    if (fs::read_symlink(fd.path(), ec) == lock) return pid;
  return std::nullopt;
}

HomeLock::~HomeLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<std::string> keystore_passphrase(const KeysConfig& keys, const Home& home) {
  if (!keys.passphrase_file.empty()) {
    std::filesystem::path p = keys.passphrase_file;
    if (p.is_relative()) p = home.root / p;
    return read_passphrase_file(p);
  }
  if (const char* env = std::getenv("GHOSTD_PASSPHRASE"); env && *env) return std::string(env);
  return fail(Errc::kDenied,
              "the keys are encrypted: give --keys.passphrase_file FILE or set GHOSTD_PASSPHRASE");
}

Result<PrivateKey> load_home_key(const Home& home, const KeysConfig& keys, const std::string& relative) {
  const auto path = home.key(relative);
  auto info = inspect_keystore_file(path);
  if (!info) return std::unexpected(info.error());
  if (!info->encrypted) {
    if (!keys.allow_unencrypted)
      return fail(Errc::kDenied, path.string() +
                                     " is UNENCRYPTED; set keys.allow_unencrypted = true (testnets only) or "
                                     "re-create it with a passphrase");
    log::warn("keys", "loading an UNENCRYPTED key: use this node on test networks only", {{"file", path.string()}});
    return load_keystore(path, "", {.allow_unencrypted = true});
  }
  auto pass = keystore_passphrase(keys, home);
  if (!pass) return std::unexpected(pass.error());
  return load_keystore(path, *pass);
}

Result<pb::Genesis> load_genesis(const Home& home) {
  auto bytes = read_file(home.genesis(), ledger::kMaxGenesisBytes);
  if (!bytes) return fail(bytes.error(), "genesis: ");
  auto g = ledger::parse_genesis_json(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  if (!g) return fail(g.error(), home.genesis().string() + ": ");
  return g;
}

namespace {

// One validator, this node's, funded to pay its own evidence txs: what `ghostd init` gives
// a node that was not handed a genesis (a one-node development chain).
pb::Genesis solo_genesis(const std::string& chain_id, const PublicKey& validator) {
  pb::Genesis g;
  g.set_chain_id(chain_id);
  *g.mutable_params() = ledger::default_params();
  auto* v = g.add_validators();
  v->set_operator_pubkey(validator.bytes.data(), 32);
  v->set_consensus_pubkey(validator.bytes.data(), 32);
  v->set_stake(g.params().min_stake_validator());
  auto* a = g.add_accounts();
  Address addr = Address::of(validator);
  a->set_address(addr.bytes.data(), addr.bytes.size());
  a->set_balance(1'000'000 * ledger::kMicroPerCredit);
  return g;
}

}  // namespace

Result<InitResult> init_home(const Home& home, const InitOptions& options) {
  NodeConfig config = options.config;
  config.chain_id = options.chain_id;
  config.moniker = options.moniker;
  config.keys.allow_unencrypted = options.insecure_unencrypted_keys;
  if (auto v = validate_config(config); !v) return std::unexpected(v.error());
  if (options.insecure_unencrypted_keys == options.passphrase.has_value())
    return fail("give a passphrase for the keys, or --insecure-unencrypted-keys (testnets only)");
  std::error_code ec;
  for (const auto& p : {home.config(), home.key(config.keys.node_key), home.key(config.keys.validator_key),
                        home.key(config.keys.worker_key)})
    if (std::filesystem::exists(p, ec))
      return fail(Errc::kExists, p.string() + " already exists: " + home.root.string() +
                                     " is an initialised home (use another --home, or remove it first)");

  const PrivateKey node_key = options.node_key.value_or(PrivateKey::generate());
  const PrivateKey validator_key = options.validator_key.value_or(PrivateKey::generate());
  std::optional<PrivateKey> worker_key;
  if (options.worker) worker_key = options.worker_key.value_or(PrivateKey::generate());
  pb::Genesis genesis;
  if (options.genesis_doc) {
    genesis = *options.genesis_doc;
    if (auto v = ledger::validate_genesis(genesis); !v) return fail(v.error(), "genesis: ");
  } else if (options.genesis) {
    auto bytes = read_file(*options.genesis, ledger::kMaxGenesisBytes);
    if (!bytes) return fail(bytes.error(), "genesis: ");
    auto g = ledger::parse_genesis_json(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
    if (!g) return fail(g.error(), options.genesis->string() + ": ");
    genesis = std::move(*g);
  } else {
    genesis = solo_genesis(options.chain_id, validator_key.public_key());
    if (auto v = ledger::validate_genesis(genesis); !v) return fail(v.error(), "genesis: ");
  }

  if (genesis.chain_id() != options.chain_id)
    return fail(Errc::kMismatch, "the genesis is for chain " + genesis.chain_id() + ", not " + options.chain_id);
  KeyProtection protection = UnencryptedTestnetKey{};
  if (options.passphrase) protection = Passphrase{*options.passphrase};
  std::vector<std::filesystem::path> written;
  auto undo = [&](const Error& e) {
    for (auto it = written.rbegin(); it != written.rend(); ++it) std::filesystem::remove(*it, ec);
    return std::unexpected(e);
  };
  for (const auto& dir : {home.root, home.key(config.keys.node_key).parent_path(),
                          home.key(config.keys.validator_key).parent_path(), home.key(config.keys.worker_key).parent_path()}) {
    if (std::filesystem::exists(dir, ec)) continue;
    if (!std::filesystem::create_directories(dir, ec))
      return undo(Error{Errc::kIo, "cannot create " + dir.string() + ": " + ec.message()});
    written.push_back(dir);
  }
  std::vector<std::pair<const PrivateKey*, std::string>> keys = {{&node_key, config.keys.node_key},
                                                                   {&validator_key, config.keys.validator_key}};
  if (worker_key) keys.emplace_back(&*worker_key, config.keys.worker_key);
  for (const auto& [key, rel] : keys) {
    if (auto s = save_keystore(home.key(rel), *key, protection); !s) return undo(s.error());
    written.push_back(home.key(rel));
  }
  if (auto w = write_file_atomic(home.genesis(), as_bytes(ledger::genesis_to_json(genesis)), {.replace = false}); !w)
    return undo(w.error());
  written.push_back(home.genesis());
  if (auto w = write_file_atomic(home.config(), as_bytes(config_toml(config)), {.mode = 0600, .replace = false}); !w)
    return undo(w.error());
  InitResult made{node_key.public_key(), validator_key.public_key(), Address::of(validator_key.public_key()), {}};
  if (worker_key) made.worker_key = worker_key->public_key();
  return made;
}

}  // namespace ghost::daemon
