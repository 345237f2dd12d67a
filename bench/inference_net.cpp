#include "bench/inference_net.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>

#include "consensus/ledger/tx.h"
#include "ml/serve/ghost_file_io.h"
#include "node/cli/keyring.h"

namespace ghost::bench {

namespace fs = std::filesystem;
namespace json = boost::json;
using cli::json_u64;

fs::path fashion_model(const Context& ctx, const fs::path& bin, const fs::path& scratch) {
  if (const char* m = std::getenv("GHOST_MODEL"); m && *m && fs::exists(fs::path(m) / "model.ghost")) return m;
  const fs::path model = scratch / "fashion-mnist";
  ctx.progress("building the fashion-mnist model in " + model.string() + " (set GHOST_MODEL to reuse one)");
  if (int c = run_to_end({(bin / "ghost").string(), "model", "build", "fashion-mnist", "--out", model.string()},
                         scratch / "build.log", scratch / "build.err", 600);
      c != 0)
    throw std::runtime_error("ghost model build exited " + std::to_string(c) + "\n" + log_tail(scratch / "build.err"));
  return model;
}

InferenceNet::InferenceNet(const Context& ctx, const fs::path& bin, const fs::path& dir, const fs::path& model,
                           const InferenceNetOptions& o)
    : dir_(dir / "net") {
  std::vector<std::string> init{(bin / "ghost").string(), "testnet", "init", "--validators", std::to_string(kValidators),
                                "--workers", std::to_string(o.workers), "--model", model.string(), "--clients", "2",
                                "--out", dir_.string(), "--base-port",
                                std::to_string(free_port_base(2 * (kValidators + o.workers))), "--json"};
  // The fast timeouts of tests/e2e/ghostnet.py: a block as soon as the votes are in.
  for (const char* p : {"timeout_propose_ms=600", "timeout_prevote_ms=300", "timeout_precommit_ms=300",
                        "timeout_delta_ms=200", "timeout_commit_ms=100"})
    init.insert(init.end(), {"--param", p});
  init.insert(init.end(), o.init_args.begin(), o.init_args.end());
  if (int c = run_to_end(init, dir / "init.json", dir / "init.log", 120); c != 0)
    throw std::runtime_error("ghost testnet init exited " + std::to_string(c) + "\n" + log_tail(dir / "init.log"));
  manifest_ = json::parse(text_of(dir / "init.json"));
  model_id_ = *Hash32::from_hex(manifest_.at("model").at("id").as_string());

  ctx.progress("starting 4 validators and " + std::to_string(o.workers) + " workers (logs in " + dir_.string() + ")");
  int w = 0;
  for (const auto& n : manifest_.at("nodes").as_array()) {
    const std::string home(n.at("home").as_string());
    const bool worker = n.at("role").as_string() == "worker";
    // All the load comes from 127.0.0.1, which the default per-address limit would throttle.
    std::vector<std::string> argv{(bin / "ghostd").string(), "start", "--home", home, worker ? "--worker" : "--validator",
                                  "--rpc.requests_per_second", "1000000", "--rpc.burst", "1000000"};
    if (worker && o.worker_args) {
      const auto more = o.worker_args(w++);
      argv.insert(argv.end(), more.begin(), more.end());
    }
    nodes_.push_back(std::make_unique<Child>(argv, fs::path(home) / "ghostd.log"));
    apis_.emplace_back(std::string(n.at("rpc").as_string()));
  }
  for (size_t i = kValidators; i < size(); ++i)  // a worker answers once it serves the model
    wait_until("worker" + std::to_string(i - kValidators) + " serving the model", 180,
               [&] { return text_of(log(i)).find("serving model") != std::string::npos; }, log(i), nodes_[i].get());
  wait_until("height 3", 60, [&] { return json_u64(apis_[0].get("/status").body.at("height")) >= 3; }, log(0),
             nodes_[0].get());

  // The registered ghost file (owner: the first client), as the chain holds it.
  pb::GhostFile file = must(ml::load_ghost_file(model / "model.ghost"), "reading the model's ghost file");
  const Address owner = Address::of(client_key("alice").public_key());
  file.set_owner(owner.bytes.data(), owner.bytes.size());
  version_ = must(ml::model_version(file), "the model's ghost file");
  if (version_.model_id != model_id_) throw std::runtime_error("the testnet registered another model than the folder's");
  const json::value status = apis_[0].fetch("/status");
  if (!google::protobuf::util::JsonStringToMessage(json::serialize(status.at("params")), &params_).ok())
    throw std::runtime_error("the node's params do not parse");
  chain_id_ = status.at("chain_id").as_string();
  price_ = json_u64(apis_[0].fetch("/workers/" + worker_address(0)).at("price"));
}

fs::path InferenceNet::log(size_t i) const {
  return fs::path(std::string(manifest_.at("nodes").at(i).at("home").as_string())) / "ghostd.log";
}

std::string InferenceNet::worker_address(int w) const {
  return std::string(manifest_.at("nodes").at(size_t(kValidators + w)).at("worker_address").as_string());
}

PrivateKey InferenceNet::client_key(const std::string& name) const {
  return cli::load_signing_key(name, keyring().string(), "");
}

std::string InferenceNet::submit_inference(size_t at, const PrivateKey& key, uint64_t nonce, ByteSpan input,
                                           uint64_t max_fee) const {
  pb::TxBody body;
  auto* r = body.mutable_inference_request();
  r->set_model_id(model_id_.data(), 32);
  r->set_input(input.data(), input.size());
  r->set_max_fee(max_fee);
  const Bytes raw = ledger::encode_tx(key, chain_id_, nonce, body, params_);
  if (auto p = apis_[at].post("/txs?mode=async", json::serialize(json::object{{"tx", to_hex(raw)}})); p.status != 202)
    throw std::runtime_error("an inference request was refused: HTTP " + std::to_string(p.status) + " " + cli::api_error(p));
  return ledger::tx_id(raw).hex();
}

}  // namespace ghost::bench
