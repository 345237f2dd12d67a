// ghostd's configuration: one TOML file per node (HOME/config.toml), every field also a
// command-line flag (--p2p.listen, --rpc.listen, ...) that overrides the file. One table of
// fields drives reading, writing, the flags and their --help text, so none can drift.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "node/fetch/fetch_config.h"
#include "node/mempool/mempool.h"
#include "node/p2p/network.h"
#include "node/rpc/server.h"
#include "node/spotcheck/config.h"
#include "node/worker/config.h"

namespace ghost::daemon {

struct ConsensusConfig {
  uint64_t resend_ms = 2000;            // own votes and proposal re-sent this often (lost messages)
  uint64_t status_ms = 1000;            // our height told to peers this often
  uint64_t max_clock_drift_ms = 2000;   // a proposed block's time may be this far ahead of ours
  uint64_t max_proposal_bytes = 2u << 20;  // txs this node puts in a block it proposes (at most
                                           // the chain's max_block_bytes): bounds the time a
                                           // block takes to check and execute
  uint32_t sync_batch = 16;             // blocks per block-sync request
  uint64_t sync_timeout_ms = 5000;      // a block request unanswered by then goes to another peer
  bool test_equivocate = false;         // TEST ONLY: sign a conflicting twin of every vote (refused
                                        // unless the genesis allows test modes)
};

struct KeysConfig {
  std::string node_key = "keys/node_key.json";            // relative to the home folder
  std::string validator_key = "keys/validator_key.json";
  std::string worker_key = "keys/worker_key.json";  // signs the worker's result txs (--worker)
  std::string passphrase_file;  // first line is the keystores' passphrase; else GHOSTD_PASSPHRASE
  bool allow_unencrypted = false;  // set by `init --insecure-unencrypted-keys`: testnets only
};

struct LogConfig {
  std::string level = "info";   // debug, info, warn, error
  std::string format = "text";  // text, json
  std::string file;             // "" = stderr
};

struct NodeConfig {
  std::string moniker = "ghost-node";
  std::string chain_id;
  LogConfig log;
  p2p::Config p2p;
  rpc::Config rpc;
  mempool::Config mempool;
  ConsensusConfig consensus;
  KeysConfig keys;
  worker::WorkerConfig worker;  // used with `ghostd start --worker`
  spotcheck::SpotCheckConfig spot_check;  // used with `ghostd start --validator`
  fetch::FetchConfig fetch;     // weight ranges served to peers and fetched from them
};

// One configurable value: its dotted name ("p2p.listen"), help text, and where it lives.
struct Field {
  std::string name;
  std::string help;
  std::variant<std::string*, std::vector<std::string>*, uint64_t*, uint32_t*, int32_t*, double*, bool*> target;
};
std::vector<Field> fields_of(NodeConfig& config);

// Reads `path` over the defaults. Unknown keys, wrong types and out-of-range numbers are
// errors naming the key (kInvalid); a missing file is kNotFound.
Result<NodeConfig> load_config(const std::filesystem::path& path);
// The TOML text of `config`, every field with its help as a comment.
std::string config_toml(const NodeConfig& config);
// Sets one field from its text form, as a flag gives it (lists: comma-separated).
Result<void> set_field(NodeConfig& config, const std::string& name, const std::string& text);
// Checks values that parse but make no sense (levels, formats, zero limits).
Result<void> validate_config(const NodeConfig& config);

}  // namespace ghost::daemon
