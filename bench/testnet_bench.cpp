// Suite "testnet": four validators as real ghostd processes on loopback, under pre-signed
// transfer load from ghost_load. Throughput is set against this machine's signature ceiling
// (every node verifies every tx, and all four share the cores), measured in the same run.
// Node 3 is down during the load, then timed catching up; node 2 is then killed -9 and timed
// until its precommit is back in a commit.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <csignal>
#include <optional>
#include <thread>

#include "base/file.h"
#include "bench/bench.h"
#include "bench/process.h"
#include "crypto/keys.h"
#include "node/cli/node_client.h"

namespace ghost::bench {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using cli::json_u64;

// The ghostd processes of a `ghost testnet init` folder, and what the bench asks of their API.
class Testnet {
 public:
  static constexpr int kNodes = 4;

  Testnet(const fs::path& bin, const fs::path& dir) : bin_(bin), dir_(dir) {
    std::vector<std::string> args{(bin / "ghost").string(), "testnet", "init", "--validators", std::to_string(kNodes),
                                  "--clients", "1", "--out", (dir / "net").string(), "--base-port",
                                  std::to_string(free_port_base(2 * kNodes)), "--json"};
    // The fast timeouts of tests/e2e/ghostnet.py: a block as soon as the votes are in.
    for (const char* p : {"timeout_propose_ms=600", "timeout_prevote_ms=300", "timeout_precommit_ms=300",
                          "timeout_delta_ms=200", "timeout_commit_ms=100"})
      args.insert(args.end(), {"--param", p});
    if (int code = run_to_end(args, dir / "init.json", dir / "init.log", 60); code != 0)
      throw std::runtime_error("ghost testnet init exited " + std::to_string(code) + "\n" + log_tail(dir / "init.log"));
    const json::value manifest = json::parse(text_of(dir / "init.json"));
    for (const auto& n : manifest.at("nodes").as_array())
      nodes_.push_back({std::string(n.at("home").as_string()), cli::NodeClient(std::string(n.at("rpc").as_string())),
                        base64_key(n.at("validator_key").as_string())});
  }

  fs::path keyring() const { return dir_ / "net" / "keyring"; }
  fs::path log(int i) const { return dir_ / ("node" + std::to_string(i) + ".log"); }
  const std::string& url(int i) const { return nodes_[i].api.url(); }
  pid_t pid(int i) const { return procs_[i]->pid(); }

  void start(int i) {
    // All the load comes from 127.0.0.1, which the default per-address limit (200/s) would throttle.
    procs_[i].emplace(std::vector<std::string>{(bin_ / "ghostd").string(), "start", "--home", nodes_[i].home.string(),
                                               "--validator", "--rpc.requests_per_second", "1000000", "--rpc.burst",
                                               "1000000"},
                      log(i));
  }
  // SIGTERM, which a node must answer by stopping cleanly.
  void stop(int i) {
    procs_[i]->signal(SIGTERM);
    const auto code = procs_[i]->wait_exit(30);
    if (code != 0)
      throw std::runtime_error("node" + std::to_string(i) + (code ? " exited " + std::to_string(*code) : " did not stop") +
                               " within 30 s of SIGTERM\n" + log_tail(log(i)));
  }
  void kill(int i) { procs_[i]->kill_now(); }

  uint64_t height(int i) const { return json_u64(nodes_[i].api.get("/status", std::chrono::seconds(2)).body.at("height")); }
  uint64_t top_height(std::initializer_list<int> nodes) const {
    uint64_t h = 0;
    for (int i : nodes) h = std::max(h, height(i));
    return h;
  }
  uint64_t block_txs(int at, uint64_t h) const {
    return json_u64(nodes_[at].api.fetch("/blocks/" + std::to_string(h) + "?summary=1").at("txs"));
  }

  // Seconds until every node in `nodes` is at `h` or above.
  double wait_height(uint64_t h, std::initializer_list<int> nodes, double limit_s) {
    return wait("height " + std::to_string(h), *nodes.begin(), limit_s, [&] {
      for (int i : nodes)
        if (height(i) < h) return false;
      return true;
    });
  }
  // Seconds until node `v`'s precommit for a height above `after` (so one signed after that
  // height) is in the last commit of a block on node `at`.
  double wait_vote(int at, int v, uint64_t after, double limit_s) {
    uint64_t next = after + 2;  // block h+1 carries the commit of h
    return wait("a precommit of node" + std::to_string(v) + " above height " + std::to_string(after) + " in a commit", v,
                limit_s, [&] {
                  for (const uint64_t top = height(at); next <= top; ++next) {
                    const json::value lc = nodes_[at].api.fetch("/blocks/" + std::to_string(next)).at("last_commit");
                    if (json_u64(lc.at("height")) <= after) continue;
                    for (const auto& pc : lc.at("precommits").as_array())
                      if (pc.at("vote").at("validator").as_string() == nodes_[v].key_b64) return true;
                  }
                  return false;
                });
  }

 private:
  // wait_until, failing at once if node `watched` (whose log an error shows) is not running.
  double wait(const std::string& what, int watched, double limit_s, const std::function<bool()>& done) {
    if (!procs_[watched]) throw std::runtime_error("node" + std::to_string(watched) + " was never started");
    return wait_until(what + " (node" + std::to_string(watched) + ")", limit_s, done, log(watched), &*procs_[watched]);
  }
  // Blocks show keys as protobuf's JSON shows bytes: standard base64.
  static std::string base64_key(std::string_view hex) {
    auto raw = from_hex(hex);
    if (!raw) throw std::runtime_error("bad validator key in the testnet manifest");
    std::string out(4 * ((raw->size() + 2) / 3) + 1, '\0');
    out.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), raw->data(), int(raw->size())));
    return out;
  }
  struct Node {
    fs::path home;
    cli::NodeClient api;
    std::string key_b64;
  };
  fs::path bin_, dir_;
  std::vector<Node> nodes_;
  std::array<std::optional<Child>, kNodes> procs_;
};

// Seconds of one raw BIP-340 verify, no signature cache in the way (median of repetitions).
double verify_seconds(bool quick) {
  const int n = quick ? 300 : 2000, reps = quick ? 3 : 7;
  const PrivateKey key = PrivateKey::from_seed("testnet-bench");
  const Hash32 digest = signing_hash(SignDomain::kTx, "ghost-bench", as_bytes("a transfer"));
  const Signature sig = key.sign_hash(digest);
  return median_seconds(reps, [&] {
           for (int i = 0; i < n; ++i)
             if (!verify_hash(key.public_key(), digest, sig)) throw std::runtime_error("a benchmark signature did not verify");
         }) / n;
}

double offered_rate(bool quick) { return env_positive("GHOST_BENCH_TESTNET_RATE", quick ? 1000 : 3000); }

// ghost_load's JSON result. Exit 2 (some accepted txs not committed within the settle time)
// is a result too: the figures say how much did commit.
json::object run_load(const fs::path& bin, const fs::path& dir, const Testnet& net, std::initializer_list<int> nodes,
                      double rate, double duration, double settle) {
  const uint64_t total = uint64_t(rate * duration);
  // At most ~100 txs per sender: far inside the mempool's per-sender limit even if nothing commits.
  const uint64_t accounts = std::clamp<uint64_t>(total / 100, 200, 100000);
  std::vector<std::string> args{(bin / "ghost_load").string(), "--keyring", net.keyring().string(), "--accounts",
                                std::to_string(accounts), "--rate", fixed(rate, 0), "--duration", fixed(duration, 0),
                                "--connections", std::to_string(8 * nodes.size()), "--settle", fixed(settle, 0), "--json"};
  for (int i : nodes) args.insert(args.end(), {"--node", net.url(i)});
  // Funding waits for a block per 200 senders; latency samples may wait 60 s for theirs.
  const double limit = 120 + 30.0 * double(accounts / 200 + 1) + duration + settle;
  const int code = run_to_end(args, dir / "load.json", dir / "load.log", limit);
  if (code != 0 && code != 2) throw std::runtime_error("ghost_load exited " + std::to_string(code) + "\n" + log_tail(dir / "load.log"));
  return json::parse(text_of(dir / "load.json")).as_object();
}

void run_testnet(Context& ctx) {
  const bool quick = ctx.quick();
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();  // ghost, ghostd, ghost_load live here too
  const double rate = offered_rate(quick), duration = quick ? 10 : 30, settle = quick ? 20 : 60;

  ctx.progress("timing raw BIP-340 verifies");
  const double verify_s = verify_seconds(quick);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double ceiling = cores / (Testnet::kNodes * verify_s);
  ctx.report({"testnet.sigverify_ceiling_tps", ceiling, "1/s", "",
              std::to_string(cores) + " cores / (4 validators x " + fixed(verify_s * 1e6) +
                  " us per raw BIP-340 verify): every node verifies every tx on the same cores"});

  ScratchDir scratch("testnet");
  Testnet net(bin, scratch.path);
  ctx.progress("starting 4 validators (logs in " + scratch.path.string() + ")");
  for (int i = 0; i < Testnet::kNodes; ++i) net.start(i);
  net.wait_height(2, {0, 1, 2, 3}, 60);

  // Node 3 sits the load out, to be timed catching up on it afterwards.
  const uint64_t node3_at = net.height(3);
  net.stop(3);
  ctx.progress("node 3 stopped at height " + std::to_string(node3_at) + "; ghost_load offers " + fixed(rate, 0) +
               " transfers/s for " + fixed(duration, 0) + " s to nodes 0-2");
  const json::object load = run_load(bin, scratch.path, net, {0, 1, 2}, rate, duration, settle);
  const double tps = load.at("commit_tps").to_number<double>();
  ctx.report({"testnet.transfer_tps", tps, "1/s", "",
              "offered " + fixed(rate, 0) + "/s for " + fixed(duration, 0) + " s to nodes 0-2 (node 3 down for the catch-up figure): " +
                  std::to_string(json_u64(load.at("submitted"))) + " submitted, " + std::to_string(json_u64(load.at("accepted"))) +
                  " accepted, " + std::to_string(json_u64(load.at("committed"))) + " committed, largest block " +
                  std::to_string(json_u64(load.at("max_block_txs"))) + " txs, HTTP statuses " +
                  json::serialize(load.at("statuses")) + "; goal >= 5,000"});
  ctx.report({"testnet.tps_vs_sigverify_ceiling", tps / ceiling, "ratio", "testnet.sigverify_ceiling_tps", "goal >= 0.5"});
  const std::string samples = std::to_string(json_u64(load.at("latency_samples"))) + " samples (1 tx in 100 posted with mode=commit)";
  ctx.report({"testnet.commit_latency_p50_ms", load.at("latency_p50_ms").to_number<double>(), "ms", "", samples + "; goal <= 1000"});
  ctx.report({"testnet.commit_latency_p99_ms", load.at("latency_p99_ms").to_number<double>(), "ms", "", samples + "; goal <= 2000"});

  const uint64_t target = net.top_height({0, 1, 2});
  ctx.progress("restarting node 3 to catch up from height " + std::to_string(node3_at) + " to " + std::to_string(target));
  net.start(3);
  const double catchup_s = net.wait_height(target, {3}, quick ? 120 : 300);
  uint64_t synced_txs = 0;
  for (uint64_t h = node3_at + 1; h <= target; ++h) synced_txs += net.block_txs(0, h);
  ctx.report({"testnet.catchup_tx_per_s", double(synced_txs) / catchup_s, "1/s", "",
              "node 3 synced heights " + std::to_string(node3_at + 1) + ".." + std::to_string(target) + " (" +
                  std::to_string(synced_txs) + " txs) in " + fixed(catchup_s, 2) +
                  " s from its restart, process start included; goal >= 3 x transfer_tps = " + fixed(3 * tps, 0)});

  double rss = 0;
  std::string rss_each;
  for (int i = 0; i < Testnet::kNodes; ++i) {
    const double mb = peak_rss_mb(net.pid(i));
    rss = std::max(rss, mb);
    rss_each += (i ? ", " : "") + fixed(mb, 0);
  }
  ctx.report({"testnet.node_peak_rss_mb", rss, "MB", "",
              "max VmHWM of the 4 ghostd after the load and node 3's catch-up (nodes 0-3: " + rss_each + " MB); goal <= 512"});

  // Killing node 2 must leave three voters: node 3 has to be back in the commits first.
  net.wait_vote(0, 3, target, 60);
  std::string height_note = "height >= 1000 is waited for in full mode only";
  if (!quick) {
    const uint64_t h0 = net.height(0);
    std::this_thread::sleep_for(std::chrono::seconds(5));
    const double per_s = double(net.height(0) - h0) / 5;
    const double eta = h0 >= 1000 ? 0 : (1000 - double(h0)) / std::max(per_s, 1e-3);
    if (eta < 240) {
      ctx.progress("waiting ~" + fixed(eta, 0) + " s for height 1000 at " + fixed(per_s) + " blocks/s");
      net.wait_height(1000, {0}, eta * 1.5 + 30);
      height_note = "waited for height >= 1000 first";
    } else {
      height_note = "height 1000 not waited for: " + fixed(eta, 0) + " s away at " + fixed(per_s) + " blocks/s (limit 240 s)";
    }
  }
  const uint64_t killed_at = net.height(2);
  net.kill(2);
  const uint64_t others = net.top_height({0, 1, 3});
  ctx.progress("node 2 killed -9 at height " + std::to_string(killed_at) + "; restarting it with the others at " +
               std::to_string(others));
  const auto restart = Clock::now();
  net.start(2);
  const double caught_up_s = net.wait_height(others, {2}, 120);
  net.wait_vote(0, 2, others, 120);
  const double voted_s = seconds_since(restart);
  ctx.report({"testnet.restart_to_first_vote_s", voted_s, "s", "",
              "kill -9 of node 2 at height " + std::to_string(killed_at) + ", restarted with the others at " +
                  std::to_string(others) + ": back at that height after " + fixed(caught_up_s, 2) +
                  " s; first block whose last commit has its precommit (for a later height) seen on node 0 after " +
                  fixed(voted_s, 2) + " s; " + height_note});
}

void testnet_suite(Context& ctx) {
  // GHOST_BENCH_INFER_ONLY=1 leaves out the transfer part (minutes), e.g. to sweep the inference load.
  if (const char* only = std::getenv("GHOST_BENCH_INFER_ONLY"); only && std::string_view(only) == "1") return;
  // An exception leaving main need not unwind the stack; caught here, it first runs the guards
  // that kill the nodes and remove the scratch folder.
  try {
    run_testnet(ctx);
  } catch (...) {
    throw;
  }
}

}  // namespace
GHOST_BENCH_SUITE("testnet", "4 validators as real processes on loopback under pre-signed transfer load", testnet_suite);
}  // namespace ghost::bench
