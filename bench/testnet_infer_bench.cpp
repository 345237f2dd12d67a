// Suite "testnet", paid inference: 4 validators and 2 workers serving fashion-mnist as real
// processes on loopback. A probe times single requests from submit to a committed answer whose
// ghost proof it has checked itself against the registered roots (alone, then under load);
// ghost_load then offers pre-signed requests at a set rate and the answers committed per second
// are counted, with the block interval meanwhile.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <thread>

#include "base/file.h"
#include "bench/bench.h"
#include "bench/process.h"
#include "consensus/ledger/tx.h"
#include "ml/ghost_file.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/verify/ghost_proof.h"
#include "node/cli/keyring.h"
#include "node/cli/node_client.h"

namespace ghost::bench {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using cli::json_u64;

// One paid request at a time from its own key: submit, wait for the answer in a block, check
// its proof here. Each call is one latency sample in milliseconds, or none when the job was not
// answered (a worker's full queue drops it; the chain refunds it at its deadline).
class Probe {
 public:
  Probe(cli::NodeClient api, PrivateKey key, std::string chain, pb::Params params, Hash32 model, ml::ModelVersion version,
        Bytes input, uint64_t max_fee)
      : api_(std::move(api)), key_(std::move(key)), chain_(std::move(chain)), params_(std::move(params)), model_(model),
        version_(std::move(version)), input_(std::move(input)), max_fee_(max_fee) {
    nonce_ = json_u64(api_.fetch("/accounts/" + Address::of(key_.public_key()).str()).at("nonce"));
  }

  std::optional<double> sample() {
    pb::TxBody body;
    auto* r = body.mutable_inference_request();
    r->set_model_id(model_.data(), 32);
    r->set_input(input_.data(), input_.size());
    r->set_max_fee(max_fee_);
    const Bytes raw = ledger::encode_tx(key_, chain_, nonce_++, body, params_);
    const std::string job = ledger::tx_id(raw).hex();
    const auto t0 = Clock::now();
    if (auto p = api_.post("/txs?mode=async", json::serialize(json::object{{"tx", to_hex(raw)}})); p.status != 202)
      throw std::runtime_error("the probe's request was refused: HTTP " + std::to_string(p.status));
    json::value result;
    bool closed = false;
    while (seconds_since(t0) < 120) {
      auto j = api_.get("/jobs/" + job + "/result", std::chrono::seconds(2));
      if (j.status == 200) {
        result = j.body;
        break;
      }
      if (auto st = api_.get("/jobs/" + job, std::chrono::seconds(2)); st.status == 200) {
        const auto& s = st.body.at("status").as_string();
        if (s != "ASSIGNED" && s != "ANSWERED" && s != "SETTLED") closed = true;  // refunded, unanswered
      }
      if (closed) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (result.is_null()) return std::nullopt;
    auto proof = from_hex(result.at("proof").as_string());
    if (!proof) throw std::runtime_error("job " + job + ": the answer's proof is not hex");
    if (auto v = ml::verify_ghost_proof_bytes(*proof, version_); !v)
      throw std::runtime_error("job " + job + ": the answer's ghost proof does not verify: " + v.error().message);
    return 1e3 * seconds_since(t0);
  }

 private:
  cli::NodeClient api_;
  PrivateKey key_;
  std::string chain_;
  pb::Params params_;
  Hash32 model_;
  ml::ModelVersion version_;
  Bytes input_;
  uint64_t max_fee_, nonce_ = 0;
};

uint64_t answered_jobs(const cli::NodeClient& api) {
  const json::value v = api.fetch("/jobs?limit=1");
  const auto& counts = v.at("counts").as_object();
  uint64_t n = 0;
  for (const char* s : {"ANSWERED", "SETTLED"})
    if (counts.contains(s)) n += json_u64(counts.at(s));
  return n;
}

// Median milliseconds between consecutive blocks first..last (their proposers' times).
double block_interval_ms(const cli::NodeClient& api, uint64_t first, uint64_t last) {
  std::vector<double> gaps;
  double prev = -1;
  for (uint64_t h = first; h <= last; ++h) {
    const double t = double(json_u64(api.fetch("/blocks/" + std::to_string(h) + "?summary=1").at("time_ms")));
    if (prev >= 0) gaps.push_back(t - prev);
    prev = t;
  }
  return percentile(gaps, 0.5);
}

void inference(Context& ctx) {
  const bool quick = ctx.quick();
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  ScratchDir scratch("testnet-infer");
  fs::path model = scratch.path / "fashion-mnist";
  if (const char* m = std::getenv("GHOST_MODEL"); m && *m && fs::exists(fs::path(m) / "model.ghost")) {
    model = m;
  } else {
    ctx.progress("building the fashion-mnist model in " + model.string() + " (set GHOST_MODEL to reuse one)");
    if (int c = run_to_end({(bin / "ghost").string(), "model", "build", "fashion-mnist", "--out", model.string()},
                           scratch.path / "build.log", scratch.path / "build.err", 600);
        c != 0)
      throw std::runtime_error("ghost model build exited " + std::to_string(c) + "\n" + log_tail(scratch.path / "build.err"));
  }
  const fs::path dir = scratch.path / "net";
  std::vector<std::string> init{(bin / "ghost").string(), "testnet", "init", "--validators", "4", "--workers", "2",
                                "--model", model.string(), "--clients", "2", "--out", dir.string(), "--base-port",
                                std::to_string(free_port_base(12)), "--json"};
  for (const char* p : {"timeout_propose_ms=600", "timeout_prevote_ms=300", "timeout_precommit_ms=300",
                        "timeout_delta_ms=200", "timeout_commit_ms=100"})
    init.insert(init.end(), {"--param", p});
  if (int c = run_to_end(init, scratch.path / "init.json", scratch.path / "init.log", 120); c != 0)
    throw std::runtime_error("ghost testnet init exited " + std::to_string(c) + "\n" + log_tail(scratch.path / "init.log"));
  const json::value manifest = json::parse(text_of(scratch.path / "init.json"));
  const Hash32 model_id = *Hash32::from_hex(manifest.at("model").at("id").as_string());

  ctx.progress("starting 4 validators and 2 workers (logs in " + dir.string() + ")");
  std::vector<std::unique_ptr<Child>> nodes;
  std::vector<cli::NodeClient> apis;
  for (const auto& n : manifest.at("nodes").as_array()) {
    const std::string home(n.at("home").as_string());
    const bool worker = n.at("role").as_string() == "worker";
    // All the load comes from 127.0.0.1, which the default per-address limit would throttle.
    nodes.push_back(std::make_unique<Child>(
        std::vector<std::string>{(bin / "ghostd").string(), "start", "--home", home, worker ? "--worker" : "--validator",
                                 "--rpc.requests_per_second", "1000000", "--rpc.burst", "1000000"},
        fs::path(home) / "ghostd.log"));
    apis.emplace_back(std::string(n.at("rpc").as_string()));
  }
  const cli::NodeClient& node0 = apis[0];
  for (size_t w = 4; w < apis.size(); ++w)  // a worker answers once it serves the model
    wait_until("worker" + std::to_string(w - 4) + " serving the model", 180, [&] {
      return text_of(fs::path(std::string(manifest.at("nodes").at(w).at("home").as_string())) / "ghostd.log")
                 .find("serving model") != std::string::npos;
    }, fs::path(std::string(manifest.at("nodes").at(w).at("home").as_string())) / "ghostd.log", nodes[w].get());
  wait_until("height 3", 60, [&] { return json_u64(node0.get("/status").body.at("height")) >= 3; },
             dir / "node0" / "ghostd.log", nodes[0].get());

  // What the probe checks against: the registered ghost file (owner: the first client), as the chain holds it.
  pb::GhostFile file = must(ml::load_ghost_file(model / "model.ghost"), "reading the model's ghost file");
  const auto keyring = dir / "keyring";
  const PrivateKey alice = cli::load_signing_key("alice", keyring.string(), "");
  const Address owner = Address::of(alice.public_key());
  file.set_owner(owner.bytes.data(), owner.bytes.size());
  ml::ModelVersion version = must(ml::model_version(file), "the model's ghost file");
  if (version.model_id != model_id) throw std::runtime_error("the testnet registered another model than the folder's");
  const json::value status = node0.fetch("/status");
  pb::Params params;
  if (!google::protobuf::util::JsonStringToMessage(json::serialize(status.at("params")), &params).ok())
    throw std::runtime_error("the node's params do not parse");
  const uint64_t price = json_u64(node0.fetch("/workers").at("workers").at(0).at("price"));
  const ml::FashionSet test = must(ml::load_fashion_test(), "reading the fashion-mnist test set");
  const auto image = test.image(0);
  const Bytes input(image.begin(), image.end());
  Probe probe(node0, cli::load_signing_key("bob", keyring.string(), ""), std::string(status.at("chain_id").as_string()),
              params, model_id, version, input, price);

  const int alone = quick ? 20 : 100;
  ctx.progress("probe: " + std::to_string(alone) + " paid inferences one at a time");
  std::vector<double> lat;
  int lost_alone = 0;
  for (int i = 0; i < alone; ++i)
    if (auto ms = probe.sample()) lat.push_back(*ms);
    else ++lost_alone;
  const uint64_t h_probe = json_u64(node0.fetch("/status").at("height"));
  const double idle_interval = block_interval_ms(node0, h_probe > 40 ? h_probe - 40 : 1, h_probe);

  const double rate = env_positive("GHOST_BENCH_INFER_RATE", quick ? 50 : 300),
               duration = env_positive("GHOST_BENCH_INFER_SECONDS", quick ? 10 : 30);
  const fs::path input_file = scratch.path / "input.bin";
  must(write_file_atomic(input_file, input), "writing the load's input");
  ctx.progress("ghost_load offers " + fixed(rate, 0) + " inference requests/s for " + fixed(duration, 0) + " s");
  std::vector<std::string> load{(bin / "ghost_load").string(), "--keyring", keyring.string(), "--rate", fixed(rate, 0),
                                "--duration", fixed(duration, 0), "--accounts", "200", "--connections", "12",
                                "--settle", "0", "--sample-every", "0", "--json", "--infer", model_id.hex(), "--input",
                                input_file.string(), "--max-fee", std::to_string(price)};
  for (int i = 0; i < 4; ++i) load.insert(load.end(), {"--node", apis[size_t(i)].url()});
  // Funding first (it waits for blocks): the count starts when the first request is committed.
  Child loader(load, scratch.path / "load.json", scratch.path / "load.log");
  const uint64_t answered0 = answered_jobs(node0);
  wait_until("the load's first requests in a block", 180,
             [&] { return json_u64(node0.fetch("/jobs?limit=1").at("total")) > uint64_t(alone) + 5; },
             scratch.path / "load.log", &loader);
  const auto t_load = Clock::now();
  const uint64_t h0 = json_u64(node0.fetch("/status").at("height")), a0 = answered_jobs(node0);
  std::vector<double> loaded;
  int lost_loaded = 0;
  while (seconds_since(t_load) < duration)
    if (auto ms = probe.sample()) loaded.push_back(*ms);
    else ++lost_loaded;
  const double elapsed = seconds_since(t_load);
  const uint64_t a1 = answered_jobs(node0), h1 = json_u64(node0.fetch("/status").at("height"));
  const auto code = loader.wait_exit(120);
  if (code != 0 && code != 2) throw std::runtime_error("ghost_load exited badly\n" + log_tail(scratch.path / "load.log"));
  const double per_s = double(a1 - a0) / elapsed;
  const double interval = block_interval_ms(node0, h0, h1);

  const std::string alone_note = std::to_string(alone) + " requests one at a time from submit to the answer's block, its "
                                 "ghost proof checked here against the registered roots (" + std::to_string(lost_alone) +
                                 " unanswered); blocks " + fixed(idle_interval, 0) + " ms apart (median)";
  ctx.report({"testnet.inference_latency_p50_ms", percentile(lat, 0.5), "ms", "",
              alone_note + "; under the load below: p50 " + fixed(percentile(loaded, 0.5), 0) + " ms over " +
                  std::to_string(loaded.size()) + " samples, " + std::to_string(lost_loaded) +
                  " unanswered; goal <= 2 block intervals = " + fixed(2 * idle_interval, 0)});
  ctx.report({"testnet.inference_latency_p99_ms", percentile(lat, 0.99), "ms", "",
              alone_note + "; under the load: p99 " + fixed(percentile(loaded, 0.99), 0) + " ms"});
  ctx.report({"testnet.inference_per_s", per_s, "1/s", "",
              "jobs answered per second while ghost_load offered " + fixed(rate, 0) + " paid requests/s to 4 validators (" +
                  std::to_string(a1 - a0) + " answers in " + fixed(elapsed, 1) + " s; 2 workers, 4 validators and the " +
                  "load on " + std::to_string(std::thread::hardware_concurrency()) + " cores; before the load " +
                  std::to_string(a0 - answered0) + " more); goal >= 200"});
  ctx.report({"testnet.block_interval_ms", interval, "ms", "",
              "median over heights " + std::to_string(h0) + ".." + std::to_string(h1) + " during that load (idle: " +
                  fixed(idle_interval, 0) + " ms)"});
}

}  // namespace
GHOST_BENCH_SUITE("testnet", "paid inference: latency of a checked answer, answers per second with 2 workers", inference);
}  // namespace ghost::bench
