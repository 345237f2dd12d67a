// Suite "testnet", spot-check detection: 4 validators spot-checking at a set rate, worker 0
// answering every job with a degraded top-k (a valid proof of the lowest-scoring columns,
// test mode) and worker 1 honestly, as real processes on loopback. N paid jobs are sent, each
// is followed to its final state, and the share of degraded answers that ended penalised
// (challenged, worker slashed, client refunded) is set against the rate. The chain never jails
// here (max_faults_per_window 0) and the workers stake enough for every penalty, so each answer
// is one trial of the same check; what the default jailing after 3 faults does is not measured.
// Each degraded answer is also run through the spot-checker's fraud check here, and whether
// the sampler picked it is recomputed from the block hashes, to say where a miss came from.
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <sstream>
#include <thread>

#include "bench/bench.h"
#include "bench/inference_net.h"
#include "bench/process.h"
#include "consensus/ledger/params.h"
#include "ml/serve/fashion_mnist.h"
#include "node/spotcheck/fraud_check.h"
#include "ml/serve/model.h"
#include "node/spotcheck/sampling.h"
#include "proto/decode.h"

namespace ghost::bench {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using cli::json_u64;

constexpr uint64_t kPrice = 2'000'000;  // ghost testnet init's default, set explicitly for the stake below

// The sum over validators 0-3 of a metric's samples (every label set).
double validators_metric(const InferenceNet& net, const std::string& name) {
  double total = 0;
  for (size_t i = 0; i < InferenceNet::kValidators; ++i) {
    const auto r = net.api(i).get("/metrics");  // Prometheus text: the client keeps it as a JSON string
    if (r.status != 200 || !r.body.is_string()) throw std::runtime_error("GET /metrics of node" + std::to_string(i) + " failed");
    std::istringstream lines{std::string(r.body.as_string())};
    for (std::string line; std::getline(lines, line);) {
      const size_t space = line.rfind(' ');
      if (line.empty() || line[0] == '#' || space == std::string::npos) continue;
      const std::string key = line.substr(0, space);
      if (key == name || key.starts_with(name + "{"))
        total += std::stod(line.substr(space + 1));
    }
  }
  return total;
}

struct Outcome {
  std::string worker, status;
  uint64_t answered_height = 0, slashed = 0;
};

bool final_status(const std::string& s) { return s == "SETTLED" || s == "CHALLENGED" || s == "REFUNDED" || s == "ROLLED_BACK"; }

// A share with its 95% Wilson interval, "k/n = p [lo, hi]".
std::string share_text(uint64_t k, uint64_t n) {
  if (n == 0) return "0/0";
  const double p = double(k) / double(n), z = 1.96, d = 1 + z * z / double(n);
  const double mid = (p + z * z / (2 * double(n))) / d;
  const double half = z * std::sqrt(p * (1 - p) / double(n) + z * z / (4.0 * double(n) * double(n))) / d;
  return std::to_string(k) + "/" + std::to_string(n) + " = " + fixed(p, 3) + " [95%: " + fixed(mid - half, 3) + ", " +
         fixed(mid + half, 3) + "]";
}

void spot_check(Context& ctx) {
  const bool quick = ctx.quick();
  const double rate = env_positive("GHOST_BENCH_SPOT_RATE", 0.2);
  if (rate > 1) throw std::runtime_error("GHOST_BENCH_SPOT_RATE must be at most 1");
  const uint32_t rate_ppm = uint32_t(std::lround(rate * 1e6));
  const int jobs = int(env_positive("GHOST_BENCH_SPOT_JOBS", quick ? 100 : 1000));
  const double per_s = 10;  // paced so the workers' queues never drop a job

  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  ScratchDir scratch("testnet-spot");
  const fs::path model = fashion_model(ctx, bin, scratch.path);
  // Enough stake for every job to be a proven fault: the worker stays eligible throughout.
  const uint64_t stake = uint64_t(jobs + 1) * ledger::default_params().fault_penalty_prices() * kPrice;
  InferenceNetOptions o;
  o.init_args = {"--test-modes", "--price", std::to_string(kPrice), "--worker-stake", std::to_string(stake),
                 "--param", "spot_check_rate_ppm=" + std::to_string(rate_ppm), "--param", "max_faults_per_window=0"};
  o.worker_args = [](int w) {
    return w == 0 ? std::vector<std::string>{"--worker.cheat", "degraded_topk"} : std::vector<std::string>{};
  };
  const InferenceNet net(ctx, bin, scratch.path, model, o);
  const std::string cheater = net.worker_address(0);

  const ml::FashionSet test = must(ml::load_fashion_test(), "reading the fashion-mnist test set");
  const PrivateKey bob = net.client_key("bob");
  uint64_t nonce = json_u64(net.api(0).fetch("/accounts/" + Address::of(bob.public_key()).str()).at("nonce"));
  ctx.progress("sending " + std::to_string(jobs) + " paid inference jobs at " + fixed(per_s, 0) +
               "/s (worker 0 degrades every answer; spot-check rate " + fixed(rate, 3) + ")");
  std::vector<std::string> ids;
  const uint64_t h_start = json_u64(net.api(0).fetch("/status").at("height"));
  const auto t_send = Clock::now();
  for (int i = 0; i < jobs; ++i) {
    ids.push_back(net.submit_inference(0, bob, nonce++, test.image(uint64_t(i) % test.count), kPrice));
    std::this_thread::sleep_until(t_send + std::chrono::milliseconds(int64_t(1e3 * (i + 1) / per_s)));
  }

  // Every job to its end: settled after the challenge window, challenged, or refunded.
  std::map<std::string, Outcome> outcomes;
  const double limit = 120 + 2.0 * jobs;
  ctx.progress("waiting for every job's final state (at most " + fixed(limit, 0) + " s)");
  wait_until("every job closed", limit, [&] {
    for (const auto& id : ids) {
      if (outcomes.contains(id)) continue;
      const json::value j = net.api(0).fetch("/jobs/" + id);
      const std::string status(j.at("status").as_string());
      if (!final_status(status)) return false;
      outcomes[id] = {j.as_object().contains("worker_address") ? std::string(j.at("worker_address").as_string()) : "",
                      status, json_u64(j.at("answered_height")), json_u64(j.at("slashed"))};
    }
    return true;
  }, net.log(0));

  // Where each answer stood: sampled by the next block's hash, provably faulty, penalised.
  // The folder the testnet registered (no training runs here): read-only, beside the nodes.
  ml::ModelOptions read_only;
  read_only.threads = 1;
  read_only.access = ml::StoreAccess::read;
  const auto checker = must(ml::Model::open(model, read_only), "opening the model to check answers");
  std::map<uint64_t, Hash32> block_hash;
  auto hash_at = [&](uint64_t h) {
    if (!block_hash.contains(h))
      block_hash[h] = *Hash32::from_hex(net.api(0).fetch("/blocks/" + std::to_string(h) + "?summary=1").at("hash").as_string());
    return block_hash[h];
  };
  struct Tally {
    uint64_t answers = 0, sampled = 0, provable = 0, penalised = 0, penalised_sampled = 0, penalised_unsampled = 0;
  };
  Tally degraded, control;
  uint64_t unanswered = 0;
  for (const auto& id : ids) {
    const Outcome& out = outcomes.at(id);
    if (out.answered_height == 0) {
      ++unanswered;
      continue;
    }
    Tally& t = out.worker == cheater ? degraded : control;
    const Hash32 job = *Hash32::from_hex(id);
    const bool sampled = spotcheck::sampled(hash_at(out.answered_height + 1), job, rate_ppm);
    const bool penalised = out.status == "CHALLENGED" && out.slashed > 0;
    ++t.answers;
    t.sampled += sampled;
    t.penalised += penalised;
    t.penalised_sampled += penalised && sampled;
    t.penalised_unsampled += penalised && !sampled;
    const auto proof_hex = from_hex(net.api(0).fetch("/jobs/" + id + "/result").at("proof").as_string());
    pb::GhostProof proof;
    if (!proof_hex || !pb::decode(*proof_hex, proof)) throw std::runtime_error("job " + id + ": its proof does not decode");
    const auto verdict = must(spotcheck::check_answer(*checker, net.version(), job, proof), "checking an answer");
    t.provable += verdict.has_value();
  }
  if (degraded.answers == 0) throw std::runtime_error("worker 0 answered no job: nothing to measure");

  // Every Challenge tx committed meanwhile (all validators sample the same answers; one per
  // answer challenges first, the others back it up in turn), by outcome, with the fees they paid.
  uint64_t won = 0, lost = 0, fee_won = 0, fee_lost = 0;
  const uint64_t h_end = json_u64(net.api(0).fetch("/status").at("height"));
  for (uint64_t h = h_start; h <= h_end; ++h) {
    const json::value block = net.api(0).fetch("/blocks/" + std::to_string(h));
    for (const auto& t : block.at("txs").as_array()) {
      const auto* body = t.at("tx").as_object().if_contains("body");
      if (!body || !body->as_object().contains("challenge")) continue;
      const bool ok = t.at("receipt").at("status").as_string() == "OK";
      (ok ? won : lost) += 1;
      (ok ? fee_won : fee_lost) += json_u64(t.at("receipt").at("fee_paid"));
    }
  }
  const json::value record = net.api(0).fetch("/workers/" + cheater);
  const double checks = validators_metric(net, "ghost_spot_checks_total");
  const double skipped = validators_metric(net, "ghost_spot_checks_skipped_total");
  const double found = validators_metric(net, "ghost_spot_faults_found_total");
  const double left = validators_metric(net, "ghost_spot_faults_left_total");
  const double detection = double(degraded.penalised) / double(degraded.answers);
  const double provable = double(degraded.provable) / double(degraded.answers);

  ctx.report({"testnet.spot_check_rate", rate, "ratio", "",
              "genesis spot_check_rate_ppm " + std::to_string(rate_ppm) + ": every validator samples the same answers "
              "(H(next block hash || job id)); set with GHOST_BENCH_SPOT_RATE"});
  ctx.report({"testnet.spot_check_detection", detection, "ratio", "",
              "degraded answers (worker 0, degraded_topk on every job) that ended CHALLENGED with the worker slashed: " +
                  share_text(degraded.penalised, degraded.answers) + "; of " + std::to_string(jobs) + " jobs sent at " +
                  fixed(per_s, 0) + "/s, " + std::to_string(unanswered) + " unanswered, " +
                  std::to_string(control.answers) + " answered by honest worker 1 (" +
                  std::to_string(control.penalised) + " penalised, " + std::to_string(control.provable) +
                  " provable, " + std::to_string(control.sampled) + " sampled); no jailing (max_faults_per_window 0), stake for every penalty; worker 0's record: faults " +
                  std::to_string(json_u64(record.at("faults"))) + ", slashed " + std::to_string(json_u64(record.at("slashed"))) +
                  ", jailed " + (record.at("jailed").as_bool() ? "yes" : "no") + "; the validators' spot-checkers checked " +
                  fixed(checks, 0) + " answers, skipped " + fixed(skipped, 0)});
  ctx.report({"testnet.spot_check_detection_vs_rate", detection / rate, "ratio", "testnet.spot_check_rate",
              "goal >= 0.9; expected rate x P(provable) / rate = " + fixed(provable, 3) + "; the sampler picked " +
                  share_text(degraded.sampled, degraded.answers) + " of the degraded answers"});
  ctx.report({"testnet.spot_check_detection_of_sampled",
              degraded.sampled ? double(degraded.penalised_sampled) / double(degraded.sampled) : 0, "ratio", "",
              "of the degraded answers the sampler picked (recomputed here from the next block's hash), penalised: " +
                  share_text(degraded.penalised_sampled, degraded.sampled) + "; penalised without being picked: " +
                  std::to_string(degraded.penalised_unsampled) + "; goal 1"});
  ctx.report({"testnet.spot_check_lost_challenges_per_fault", won ? double(lost) / double(won) : 0, "ratio", "",
              "Challenge txs committed in heights " + std::to_string(h_start) + ".." + std::to_string(h_end) + ": " +
                  std::to_string(won) + " won, " + std::to_string(lost) + " lost (the job already closed by another "
                  "validator's), paying " + fixed(double(fee_lost) / 1e6, 2) + " GC of fees (won ones " +
                  fixed(double(fee_won) / 1e6, 2) + " GC); the checkers found " + fixed(found, 0) +
                  " faults (every checker finds each sampled one) and left " + fixed(left, 0) +
                  " closed before their turn (docs/protocol.md §6: rank r waits 2r blocks); goal 0 lost"});
  ctx.report({"testnet.degraded_provable_share", provable, "ratio", "",
              "degraded answers the spot-checker's fraud check (spotcheck::check_answer, run here on each answer's "
              "proof) proves faulty: " + share_text(degraded.provable, degraded.answers) +
                  "; expected detection = rate x this = " + fixed(rate * provable, 3)});
}

}  // namespace
GHOST_BENCH_SUITE("testnet", "spot-check detection: share of degraded answers penalised at a set spot-check rate",
                  spot_check);
}  // namespace ghost::bench
