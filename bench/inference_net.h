// The testnet the paid-inference parts of the testnet suite run: `ghost testnet init` with 4
// validators and workers serving fashion-mnist, every node a ghostd process on loopback, and
// what a paying client needs from it (the registered model version, params, a request).
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/process.h"
#include "crypto/keys.h"
#include "ml/ghost_file.h"
#include "node/cli/node_client.h"
#include "proto/genesis.pb.h"

namespace ghost::bench {

// The fashion-mnist model folder: $GHOST_MODEL when it holds one, else built under `scratch`.
std::filesystem::path fashion_model(const Context& ctx, const std::filesystem::path& bin,
                                    const std::filesystem::path& scratch);

struct InferenceNetOptions {
  int workers = 2;
  std::vector<std::string> init_args;                               // more `ghost testnet init` options
  std::function<std::vector<std::string>(int worker)> worker_args;  // more `ghostd start` options of worker w
};

class InferenceNet {
 public:
  static constexpr int kValidators = 4;

  // Writes the testnet into `dir`, starts every node, and returns once each worker serves the
  // model and the chain is at height 3. The nodes are killed when it is dropped.
  InferenceNet(const Context& ctx, const std::filesystem::path& bin, const std::filesystem::path& dir,
               const std::filesystem::path& model, const InferenceNetOptions& options = {});

  size_t size() const { return apis_.size(); }  // validators 0-3, then the workers
  const cli::NodeClient& api(size_t i) const { return apis_[i]; }
  const std::vector<cli::NodeClient>& apis() const { return apis_; }
  std::filesystem::path log(size_t i) const;
  std::string worker_address(int w) const;
  std::filesystem::path keyring() const { return dir_ / "keyring"; }
  PrivateKey client_key(const std::string& name) const;

  const Hash32& model_id() const { return model_id_; }
  const ml::ModelVersion& version() const { return version_; }  // the registered ghost file's (owner: alice)
  const pb::Params& params() const { return params_; }
  const std::string& chain_id() const { return chain_id_; }
  uint64_t price() const { return price_; }  // worker 0's

  // Signs and posts (mode=async) one paid inference request to node `at`; its job id.
  std::string submit_inference(size_t at, const PrivateKey& key, uint64_t nonce, ByteSpan input, uint64_t max_fee) const;

 private:
  std::filesystem::path dir_;
  boost::json::value manifest_;
  std::vector<std::unique_ptr<Child>> nodes_;
  std::vector<cli::NodeClient> apis_;
  Hash32 model_id_;
  ml::ModelVersion version_;
  pb::Params params_;
  std::string chain_id_;
  uint64_t price_ = 0;
};

}  // namespace ghost::bench
