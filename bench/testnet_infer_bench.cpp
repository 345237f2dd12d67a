// Suite "testnet", paid inference: 4 validators and 2 workers serving fashion-mnist as real
// processes on loopback. A probe times single requests from submit to a committed answer whose
// ghost proof checked here against the registered roots (alone, then under load; a request
// the chain refuses, every worker being at capacity, counts as unanswered);
// ghost_load then offers pre-signed requests at a set rate and the answers committed per second
// are counted, with the block interval meanwhile.
#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <thread>

#include "base/file.h"
#include "bench/bench.h"
#include "bench/inference_net.h"
#include "bench/process.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/verify/ghost_proof.h"
#include "node/cli/event_stream.h"
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
  Probe(const InferenceNet& net, PrivateKey key, Bytes input)
      : net_(net), key_(std::move(key)), input_(std::move(input)) {
    nonce_ = json_u64(net_.api(0).fetch("/accounts/" + Address::of(key_.public_key()).str()).at("nonce"));
  }

  std::optional<double> sample() {
    const auto t0 = Clock::now();
    const std::string job = net_.submit_inference(0, key_, nonce_++, input_, net_.price());
    const cli::NodeClient& api = net_.api(0);
    // Woken by the answer's block, as `ghost infer` is, rather than by a polling interval.
    auto events = cli::EventStream::open(api, {"job:" + job});
    json::value result;
    bool closed = false;
    while (seconds_since(t0) < 120) {
      auto j = api.get("/jobs/" + job + "/result", std::chrono::seconds(2));
      if (j.status == 200) {
        result = j.body;
        break;
      }
      if (auto st = api.get("/jobs/" + job, std::chrono::seconds(2)); st.status == 200) {
        const auto& s = st.body.at("status").as_string();
        if (s != "ASSIGNED" && s != "ANSWERED" && s != "SETTLED") closed = true;  // refunded, unanswered
      } else if (auto tx = api.get("/txs/" + job, std::chrono::seconds(2)); tx.status == 200) {
        // Committed and refused (WORKERS_BUSY when every worker is full): no job will come.
        const auto* receipt = tx.body.as_object().if_contains("receipt");
        const auto* code = receipt ? receipt->as_object().if_contains("status") : nullptr;
        closed = code && code->as_string() != "OK";
      }
      if (closed) return std::nullopt;
      if (events) events->wait(std::chrono::milliseconds(500));
      else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (result.is_null()) return std::nullopt;
    auto proof = from_hex(result.at("proof").as_string());
    if (!proof) throw std::runtime_error("job " + job + ": the answer's proof is not hex");
    if (auto v = ml::verify_ghost_proof_bytes(*proof, net_.version()); !v)
      throw std::runtime_error("job " + job + ": the answer's ghost proof does not verify: " + v.error().message);
    return 1e3 * seconds_since(t0);
  }

 private:
  const InferenceNet& net_;
  PrivateKey key_;
  Bytes input_;
  uint64_t nonce_ = 0;
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
  const InferenceNet net(ctx, bin, scratch.path, fashion_model(ctx, bin, scratch.path));
  const std::vector<cli::NodeClient>& apis = net.apis();
  const cli::NodeClient& node0 = apis[0];
  const uint64_t price = net.price();
  const Hash32 model_id = net.model_id();
  const ml::FashionSet test = must(ml::load_fashion_test(), "reading the fashion-mnist test set");
  const auto image = test.image(0);
  const Bytes input(image.begin(), image.end());
  Probe probe(net, net.client_key("bob"), input);

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
  std::vector<std::string> load{(bin / "ghost_load").string(), "--keyring", net.keyring().string(), "--rate", fixed(rate, 0),
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
