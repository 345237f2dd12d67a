// ghost_load: signed transfers (or paid inference requests) at a set rate against a running
// testnet, and what came of them.
//
//   ghost_load --node URL [--node URL ...] --keyring DIR [--faucet alice] [--accounts N]
//              [--rate TPS] [--duration S] [--connections C] [--sample-every K] [--json]
//              [--infer MODEL_ID --input FILE --max-fee MICRO]
//
// Senders are derived from --seed and funded by the faucet key first. Every transfer is
// signed before the clock starts; they are then posted (raw bytes, mode=async) over keep-alive
// connections spread over the nodes, tx k at start + k / rate. One tx in K is posted with
// mode=commit instead, and its submit-to-commit time is a latency sample. Blocks are watched
// through /status and /blocks/H?summary=1 to count what was committed and when.
#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "base/parallel.h"
#include "consensus/ledger/tx.h"
#include "node/cli/keyring.h"
#include "proto/decode.h"
#include "tests/load/connection.h"

namespace ghost::load {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<std::string> nodes;
  std::string keyring, faucet = "alice", seed = "1";
  uint32_t accounts = 200, connections = 8, sample_every = 100;
  double rate = 1000, duration = 30, settle = 60;
  bool json = false;
  std::string infer, input;  // --infer: InferenceRequests for this model id with this input
  uint64_t max_fee = 0;
};

[[noreturn]] void die(const std::string& why) {
  std::cerr << "ghost_load: " << why << "\n";
  std::exit(1);
}

uint64_t u64(const json::value& v) { return v.is_string() ? std::stoull(std::string(v.as_string())) : v.to_number<uint64_t>(); }

pb::TxBody transfer_to(const Address& to, uint64_t amount) {
  pb::TxBody b;
  b.mutable_transfer()->set_to(to.bytes.data(), to.bytes.size());
  b.mutable_transfer()->set_amount(amount);
  return b;
}

std::string hex_body(const Bytes& raw) { return json::serialize(json::object{{"tx", to_hex(raw)}}); }

uint64_t account_nonce(Connection& c, const Address& a) {
  auto v = c.get_json("/accounts/" + a.str());
  if (v.is_null()) die("cannot read account " + a.str());
  return u64(v.at("nonce"));
}

// Brings every sender to at least `each` micro-credits from the faucet, 200 transfers at a time.
void fund(Connection& c, const std::string& chain, const pb::Params& params, const PrivateKey& faucet,
          const std::vector<PrivateKey>& senders, uint64_t each) {
  const Address from = Address::of(faucet.public_key());
  std::vector<const PrivateKey*> poor;
  for (const auto& s : senders) {
    auto v = c.get_json("/accounts/" + Address::of(s.public_key()).str());
    if (v.is_null() || u64(v.at("balance")) < each / 2) poor.push_back(&s);
  }
  for (size_t i = 0; i < poor.size(); i += 200) {
    uint64_t nonce = account_nonce(c, from);
    const size_t n = std::min<size_t>(200, poor.size() - i);
    for (size_t j = 0; j < n; ++j) {
      Bytes raw = ledger::encode_tx(faucet, chain, nonce + j, transfer_to(Address::of(poor[i + j]->public_key()), each), params);
      // A node shedding load (503 busy) asks to be retried shortly; funding must not fail on it.
      auto r = c.post("/txs?mode=async", hex_body(raw), "application/json");
      for (int tries = 0; r.status == 503 && tries < 200; ++tries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        r = c.post("/txs?mode=async", hex_body(raw), "application/json");
      }
      if (r.status != 202) die("funding transfer refused: HTTP " + std::to_string(r.status) + " " + r.body);
    }
    const auto end = Clock::now() + std::chrono::seconds(120);
    while (account_nonce(c, from) < nonce + n) {
      if (Clock::now() > end) die("funding transfers were not committed within 120 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// What each tx asks: a transfer to `to`, or the inference the options name.
pb::TxBody load_body(const Options& o, const Bytes& input, const Address& to) {
  if (o.infer.empty()) return transfer_to(to, 1);
  pb::TxBody b;
  auto* r = b.mutable_inference_request();
  auto id = from_hex(o.infer);
  r->set_model_id(id->data(), id->size());
  r->set_input(input.data(), input.size());
  r->set_max_fee(o.max_fee);
  return b;
}

int run(const Options& o) {
  Connection c0(o.nodes[0]);
  auto status = c0.get_json("/status");
  if (status.is_null()) die("cannot reach " + o.nodes[0]);
  const std::string chain(status.at("chain_id").as_string());
  pb::Params params;
  if (!google::protobuf::util::JsonStringToMessage(json::serialize(status.at("params")), &params).ok()) die("no params");

  std::vector<PrivateKey> senders;
  for (uint32_t i = 0; i < o.accounts; ++i) senders.push_back(PrivateKey::from_seed("ghost-load-" + o.seed + "-" + std::to_string(i)));
  const uint64_t total = uint64_t(o.rate * o.duration);
  const uint64_t per_sender = total / o.accounts + 1;
  Bytes input;
  if (!o.infer.empty()) {
    auto id = from_hex(o.infer);
    if (!id || id->size() != 32) die("--infer takes a model id of 64 hex digits");
    auto in = read_file(o.input);
    if (!in) die("cannot read --input " + o.input + ": " + in.error().message);
    input = std::move(*in);
  }
  const uint64_t tx_bytes = 200 + input.size();
  fund(c0, chain, params, cli::load_signing_key(o.faucet, o.keyring, ""), senders,
       per_sender * (ledger::min_fee(params, tx_bytes) + 1 + o.max_fee) * 2 + 1'000'000);

  // Sign everything before the clock starts.
  std::vector<uint64_t> nonces;
  for (const auto& s : senders) nonces.push_back(account_nonce(c0, Address::of(s.public_key())));
  std::vector<Bytes> txs(total);
  const auto t_sign = Clock::now();
  parallel_chunks(total, 0, [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t k = b; k < e; ++k) {
      const size_t s = k % senders.size();
      const Address to = Address::of(senders[(s + 1) % senders.size()].public_key());
      txs[k] = ledger::encode_tx(senders[s], chain, nonces[s] + k / senders.size(), load_body(o, input, to), params);
    }
  });
  const double sign_s = std::chrono::duration<double>(Clock::now() - t_sign).count();
  const uint64_t start_height = u64(c0.get_json("/status").at("height"));

  // Blocks: what got committed, and when.
  std::atomic<bool> stop_watch{false};
  std::mutex mu;
  std::vector<std::pair<double, uint64_t>> blocks;  // (seconds since start, txs)
  const auto t0 = Clock::now() + std::chrono::milliseconds(200);
  auto since = [&](Clock::time_point t) { return std::chrono::duration<double>(t - t0).count(); };
  std::atomic<uint64_t> committed{0};
  std::jthread watcher([&] {
    Connection c(o.nodes[0]);
    uint64_t seen = start_height;
    while (!stop_watch) {
      auto s = c.get_json("/status");
      const uint64_t h = s.is_null() ? seen : u64(s.at("height"));
      for (; seen < h; ++seen) {
        auto b = c.get_json("/blocks/" + std::to_string(seen + 1) + "?summary=1");
        if (b.is_null()) break;
        std::lock_guard lock(mu);
        blocks.push_back({since(Clock::now()), u64(b.at("txs"))});
        committed += u64(b.at("txs"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  std::atomic<uint64_t> next{0}, accepted{0};
  std::map<unsigned, uint64_t> statuses;
  std::vector<double> latencies;
  auto post_one = [&](Connection& c, uint64_t k) {
    const bool sample = o.sample_every && k % o.sample_every == 0;
    const std::string raw(txs[k].begin(), txs[k].end());
    const auto t = Clock::now();
    auto r = c.post(sample ? "/txs?mode=commit&timeout_ms=60000" : "/txs?mode=async", raw, "application/octet-stream");
    std::lock_guard lock(mu);
    ++statuses[r.status];
    if (r.status == 200 || r.status == 202) ++accepted;
    if (sample && r.status == 200) latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  };
  // Samples wait for their block, so they get their own threads and never hold up the pace.
  std::vector<uint64_t> sample_queue;
  std::condition_variable sample_cv;
  bool submitting = true;
  {
    std::vector<std::jthread> samplers;
    // About three samples in flight per second of commit latency; none without sampling
    // (--sample-every 0 once started rate x 3 threads here).
    const uint32_t n_samplers =
        o.sample_every ? std::clamp<uint32_t>(uint32_t(o.rate / o.sample_every) * 3, 8, 256) : 0;
    for (uint32_t t = 0; t < n_samplers; ++t)
      samplers.emplace_back([&, t] {
        Connection c(o.nodes[t % o.nodes.size()]);
        for (;;) {
          uint64_t k;
          {
            std::unique_lock lock(mu);
            sample_cv.wait(lock, [&] { return !sample_queue.empty() || !submitting; });
            if (sample_queue.empty()) return;
            k = sample_queue.back();
            sample_queue.pop_back();
          }
          post_one(c, k);
        }
      });
    std::vector<std::jthread> posters;
    for (uint32_t t = 0; t < o.connections; ++t)
      posters.emplace_back([&, t] {
        Connection c(o.nodes[t % o.nodes.size()]);
        for (uint64_t k; (k = next.fetch_add(1)) < total;) {
          std::this_thread::sleep_until(t0 + std::chrono::microseconds(uint64_t(1e6 * double(k) / o.rate)));
          if (o.sample_every && k % o.sample_every == 0) {
            std::lock_guard lock(mu);
            sample_queue.push_back(k);
            sample_cv.notify_one();
          } else {
            post_one(c, k);
          }
        }
      });
    posters.clear();
    {
      std::lock_guard lock(mu);
      submitting = false;
    }
    sample_cv.notify_all();
  }
  const double submit_s = since(Clock::now());
  const auto settle_end = Clock::now() + std::chrono::milliseconds(uint64_t(o.settle * 1000));
  while (committed < accepted && Clock::now() < settle_end) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop_watch = true;
  watcher.join();

  // Throughput over the blocks that committed load: from the first to the last of them.
  double first = -1, last = 0;
  uint64_t in_window = 0, max_block = 0;
  for (const auto& [t, n] : blocks)
    if (n > 0) {
      if (first < 0) first = t;
      last = t;
      in_window += n;
      max_block = std::max(max_block, n);
    }
  const double window = last > first && first >= 0 ? last - first : 0;
  json::object out{{"submitted", total},
                   {"accepted", accepted.load()},
                   {"committed", committed.load()},
                   {"sign_s", sign_s},
                   {"submit_s", submit_s},
                   {"submit_tps", double(total) / std::max(submit_s, 1e-9)},
                   {"commit_tps", window > 0 ? double(in_window) / window : 0.0},
                   {"latency_p50_ms", percentile(latencies, 0.5)},
                   {"latency_p99_ms", percentile(latencies, 0.99)},
                   {"latency_samples", latencies.size()},
                   {"blocks", blocks.size()},
                   {"max_block_txs", max_block}};
  json::object by_status;
  for (const auto& [s, n] : statuses) by_status[std::to_string(s)] = n;
  out["statuses"] = std::move(by_status);
  if (o.json) {
    std::cout << json::serialize(out) << "\n";
  } else {
    for (const auto& [k, v] : out) std::cout << std::string(k) << " " << json::serialize(v) << "\n";
  }
  return committed >= accepted ? 0 : 2;
}

}  // namespace
}  // namespace ghost::load

int main(int argc, char** argv) {
  ghost::load::Options o;
  CLI::App app{"ghost_load: signed transfers (or paid inference requests, --infer) offered at a set rate to a running testnet"};
  app.add_option("--node", o.nodes, "Node API URL (repeatable; load is spread over them)")->required();
  app.add_option("--keyring", o.keyring, "Keyring holding the faucet key")->required();
  app.add_option("--faucet", o.faucet, "Key that funds the senders")->capture_default_str();
  app.add_option("--accounts", o.accounts, "Senders")->capture_default_str()->check(CLI::Range(1u, 100000u));
  app.add_option("--rate", o.rate, "Requests offered per second (transfers, or paid inference requests with --infer), sent at that pace whether or not earlier ones committed")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--duration", o.duration, "Seconds of load")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--connections", o.connections, "Keep-alive connections posting")->capture_default_str()->check(CLI::Range(1u, 256u));
  app.add_option("--sample-every", o.sample_every, "One tx in K waits for its block (latency); 0 = none")->capture_default_str();
  app.add_option("--settle", o.settle, "Seconds to wait for the last txs to commit")->capture_default_str();
  app.add_option("--seed", o.seed, "Derives the sender keys")->capture_default_str();
  auto* infer = app.add_option("--infer", o.infer, "Send paid inference requests for this model id instead of transfers");
  app.add_option("--input", o.input, "With --infer: the file holding the input")->needs(infer);
  app.add_option("--max-fee", o.max_fee, "With --infer: micro-credits escrowed per request")->needs(infer);
  app.add_flag("--json", o.json, "One JSON object");
  CLI11_PARSE(app, argc, argv);
  return ghost::load::run(o);
}
