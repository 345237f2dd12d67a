// A node's home folder: what `ghostd init` writes and `ghostd start` reads.
//
//   HOME/config.toml          settings (config.h)
//   HOME/genesis.json         the chain's genesis (protobuf JSON mapping)
//   HOME/keys/node_key.json   proves this node to peers
//   HOME/keys/validator_key.json   signs votes and proposals (and evidence txs)
//   HOME/keys/worker_key.json      signs a worker's result txs (`init --worker`)
//   HOME/data/blocks/         block store (LevelDB)
//   HOME/data/state/          ledger state (LevelDB)
//   HOME/data/consensus/      WAL and signer state
//   HOME/data/worker/         the worker's answer log (LevelDB), with --worker
//   HOME/ghostd.lock          held (flock) by the running ghostd, which writes its pid there
//   HOME/ghostd.log           its output when `ghost testnet start` runs it
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "crypto/keys.h"
#include "node/daemon/config.h"
#include "proto/genesis.pb.h"

namespace ghost::daemon {

struct Home {
  std::filesystem::path root;
  std::filesystem::path config() const { return root / "config.toml"; }
  std::filesystem::path genesis() const { return root / "genesis.json"; }
  std::filesystem::path data() const { return root / "data"; }
  std::filesystem::path blocks() const { return data() / "blocks"; }
  std::filesystem::path state() const { return data() / "state"; }
  std::filesystem::path consensus() const { return data() / "consensus"; }
  std::filesystem::path worker() const { return data() / "worker"; }
  std::filesystem::path spotcheck() const { return data() / "spotcheck"; }  // private copies of its folders
  std::filesystem::path key(const std::string& relative) const { return root / relative; }
  std::filesystem::path lock() const { return root / "ghostd.lock"; }
  std::filesystem::path log() const { return root / "ghostd.log"; }
};

// An exclusive hold on a home folder for the life of the object (flock on ghostd.lock, so
// a killed process never leaves it stuck). kDenied when another process holds it.
class HomeLock {
 public:
  static Result<HomeLock> acquire(const Home& home);
  HomeLock(HomeLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  HomeLock& operator=(HomeLock&&) = delete;
  ~HomeLock();

 private:
  explicit HomeLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The pid of the process holding the home's lock (the running ghostd), or nullopt when no
// process holds it (a pid left by a killed node is not trusted: the holder must have the file open).
std::optional<int> running_ghostd(const Home& home);

struct InitOptions {
  std::string chain_id;
  std::string moniker = "ghost-node";
  std::optional<std::filesystem::path> genesis;  // a genesis.json to use, or ...
  std::optional<pb::Genesis> genesis_doc;        // ... this one, else a one-validator genesis of this node
  std::optional<PrivateKey> node_key;            // generated when absent
  std::optional<PrivateKey> validator_key;       // generated when absent
  bool worker = false;                           // also write a worker key
  std::optional<PrivateKey> worker_key;          // generated when absent (with worker)
  std::optional<std::string> passphrase;         // encrypts every key ...
  bool insecure_unencrypted_keys = false;        // ... or none is encrypted (testnets only)
  NodeConfig config;                             // written to config.toml (chain_id set from above)
};

// What init made, for the operator to note.
struct InitResult {
  PublicKey node_key;
  PublicKey validator_key;
  Address validator_address;  // the validator key's account: pays for its evidence txs
  std::optional<PublicKey> worker_key;  // with InitOptions::worker: stake with it, it signs results
};

// Writes a new home. Refuses (kExists) a folder that already holds config.toml or keys,
// and a given genesis of another chain; on any failure removes what it wrote.
Result<InitResult> init_home(const Home& home, const InitOptions& options);

// The keystore at `relative` under the home, decrypted with the configured passphrase.
Result<PrivateKey> load_home_key(const Home& home, const KeysConfig& keys, const std::string& relative);

// Reads and validates genesis.json.
Result<pb::Genesis> load_genesis(const Home& home);

// The passphrase for the home's keystores: keys.passphrase_file, else $GHOSTD_PASSPHRASE.
Result<std::string> keystore_passphrase(const KeysConfig& keys, const Home& home);

}  // namespace ghost::daemon
