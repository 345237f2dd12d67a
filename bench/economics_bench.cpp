// Suite "economics": does honest work pay and every cheat lose money, at the default model,
// search and chain parameters? Measured on fashion-mnist (test images and shifted, noised and
// blended copies) and a synthetic model of intrinsic dimension 16: how often each way of
// answering is provably faulty under the search fraud rule (docs/protocol.md §3.19: a column of
// the canonical search's set, missing from the answer, ranks above the answer's lowest), what
// each costs, how large a fraud proof is; then the expected profit per job of the honest worker
// and of each cheat under the ledger's rules (docs/decisions.md, "Faults cost a multiple of the fee").
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "bench/bench.h"
#include "bench/ml_bench_util.h"
#include "consensus/ledger/params.h"
#include "ml/canonical.h"
#include "ml/graph_search.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/hnsw_index.h"
#include "ml/serve/model.h"
#include "ml/serve/prove.h"
#include "ml/serve/synthetic.h"
#include "ml/verify/search_fraud.h"

namespace ghost::bench {
namespace {

using namespace ghost::ml;
namespace fs = std::filesystem;

constexpr uint32_t kK = 16;
using Set = std::vector<uint64_t>;  // ascending column indices

Set indices(const std::vector<Scored>& s) {
  Set out;
  for (const Scored& x : s) out.push_back(x.index);
  return out;
}

// The queries of one data set with their exact top-k.
struct QuerySet {
  std::string name;
  std::vector<std::vector<float>> xs;
  std::vector<Set> exact;
};

void exact_sets(const ColumnMatrix& keys, QuerySet& q) {
  q.exact.clear();
  const size_t batch = 256;
  for (size_t b = 0; b < q.xs.size(); b += batch) {
    std::span<const std::vector<float>> part(q.xs.data() + b, std::min(batch, q.xs.size() - b));
    for (auto& s : exact_top_k_batch(keys, part, kK)) q.exact.push_back(indices(s));
  }
}

// One way of answering a layer's query.
struct Strategy {
  std::string name;
  std::function<Set(size_t query, std::span<const float> x)> answer;
};

// The canonical search of a layer held in memory.
struct Searcher {
  LayerSpec layer;
  const SearchIndex& index;
  const ColumnMatrix& keys;
  std::vector<Scored> run(std::span<const float> x, uint32_t ef = 0) const {
    LayerSpec l = layer;
    if (ef) l.graph.ef = ef;
    IndexSource source(index, keys);
    return graph_search(l, x, source).value_or(std::vector<Scored>{});
  }
};

// Is `answer` provably faulty: does a canonical column outside it outrank its lowest?
bool faulty(const Searcher& s, std::span<const float> x, const Set& answer) {
  const auto canonical = s.run(x);
  if (canonical.empty()) return false;  // no canonical answer: nothing is provable
  HopfieldPass pass;
  pass.selected = answer;
  for (uint64_t c : answer) pass.scores.push_back(dot(s.keys.column(c), x));
  return outranks_answer(canonical, pass);
}

struct Measured {
  uint64_t answers = 0, faults = 0, differ_from_exact = 0;
  double us = 0;  // median per-answer time on the test set, one thread
  double q() const { return answers ? double(faults) / double(answers) : 0; }
};

Measured run(const Strategy& st, const QuerySet& q, const Searcher& s, size_t timed) {
  Measured m;
  std::vector<char> fault(q.xs.size()), differ(q.xs.size());
  parallel_for_each(q.xs.size(), 0, [&](uint64_t i) {
    const Set got = st.answer(i, q.xs[i]);
    fault[i] = faulty(s, q.xs[i], got);
    differ[i] = got != q.exact[i];
  });
  m.answers = q.xs.size();
  for (size_t i = 0; i < q.xs.size(); ++i) m.faults += fault[i], m.differ_from_exact += differ[i];
  std::vector<double> t;
  for (size_t i = 0; i < std::min(timed, q.xs.size()); ++i) {
    auto t0 = Clock::now();
    (void)st.answer(i, q.xs[i]);
    t.push_back(1e6 * seconds_since(t0));
  }
  m.us = t.empty() ? 0 : median(t);
  return m;
}

// Fashion queries: the test images, and copies shifted by one or two pixels, noised
// (uniform +-40 per pixel) and blended (the mean of two test images): the last are
// nobody's class and have two clusters of neighbours, the hardest case for a beam.
std::vector<QuerySet> fashion_queries(const FashionSet& test, uint64_t count, const HopfieldSpec& spec) {
  std::vector<QuerySet> sets(4);
  sets[0].name = "test";
  sets[1].name = "shifted";
  sets[2].name = "noised";
  sets[3].name = "blended";
  std::mt19937_64 rng(12);
  std::uniform_int_distribution<int> noise(-40, 40);
  Bytes img(kFashionPixels);
  auto add = [&](QuerySet& s, const Bytes& b) {
    auto x = query_from_input(b, spec);
    if (x) s.xs.push_back(std::move(*x));  // an all-zero image has no query; skip it
  };
  for (uint64_t i = 0; i < count; ++i) {
    ByteSpan src = test.image(i);
    add(sets[0], Bytes(src.begin(), src.end()));
    const int dx = int(i % 5) - 2, dy = int((i / 5) % 5) - 2;
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        const int sr = r - dy, sc = c - dx;
        img[r * 28 + c] = (sr >= 0 && sr < 28 && sc >= 0 && sc < 28) ? src[sr * 28 + sc] : 0;
      }
    add(sets[1], img);
    for (size_t j = 0; j < img.size(); ++j) img[j] = uint8_t(std::clamp(int(src[j]) + noise(rng), 0, 255));
    add(sets[2], img);
    ByteSpan other = test.image((i * 7919 + 1) % test.count);
    for (size_t j = 0; j < img.size(); ++j) img[j] = uint8_t((int(src[j]) + int(other[j]) + 1) / 2);
    add(sets[3], img);
  }
  return sets;
}

// ---- the economic model -----------------------------------------------------------------

// Per-job money of one strategy, micro-credits.
struct Economy {
  double fee;          // F: the job's price
  double net;          // F minus the protocol's share: what settlement pays the worker
  double result_tx;    // fee of the result transaction (its size times fee_per_byte)
  double compute_h;    // the honest worker's compute per answer, valued
  double penalty;      // P: a proven search fault
  double miss_penalty; // a job not answered by its deadline
  double s;            // share of answers checked
};

// A strategy that answers, is checked with probability s and then proven faulty with
// probability q: it pays the result tx and its compute; a proven fault forfeits the fee
// (the client is refunded) and costs the penalty.
double answer_profit(const Economy& e, double q, double compute) {
  const double caught = e.s * q;
  return (1 - caught) * e.net - caught * e.penalty - e.result_tx - compute;
}
// A strategy whose result is refused on execution (wrong output, stale version, another
// input's answer) pays the failed tx's fee, then misses the deadline; silence only misses.
double refused_profit(const Economy& e, bool sends) { return -(sends ? e.result_tx : 0) - e.miss_penalty; }

void economics_suite(Context& ctx) {
  const bool quick = ctx.quick();
  ctx.progress("loading fashion-mnist");
  const FashionSet train = must(load_fashion_train(), "fashion train");
  const FashionSet test = must(load_fashion_test(), "fashion test");
  const HopfieldSpec spec = fashion_layer(train.count).hopfield();
  ScratchDir scratch("economics");
  const fs::path dir = scratch.path / "fashion";
  ctx.progress("building the fashion-mnist model and its search graph");
  must(build_fashion_model(dir, train), "build model");
  auto model = must(Model::open(dir), "open");
  const ColumnMatrix& keys = model->keys(0);
  const Searcher searcher{model->layers()[0], *model->index(0), keys};
  const uint32_t ef = searcher.layer.graph.ef;

  const uint64_t n_test = quick ? 500 : test.count;
  auto sets = fashion_queries(test, n_test, spec);
  for (auto& s : sets) {
    ctx.progress("exact top-16 of " + std::to_string(s.xs.size()) + " " + s.name + " queries");
    exact_sets(keys, s);
  }

  // The former worker: hnswlib at ef 40 over the same columns (what the safety is measured
  // against), and a truncated index over half of them.
  ctx.progress("building hnswlib indexes (the former worker's, and over half the columns)");
  const HnswParams hnsw;
  const auto hnsw_ix = HnswIndex::build(keys, hnsw);
  ColumnMatrix half(keys.dim, keys.count / 2);
  std::copy(keys.data.begin(), keys.data.begin() + ptrdiff_t(half.data.size()), half.data.begin());
  const auto half_ix = HnswIndex::build(half, hnsw);
  auto hnsw_answer = [](const HnswIndex& ix, const ColumnMatrix& cols, std::span<const float> x) {
    std::vector<Scored> scored;
    for (uint64_t c : ix.search(x, 2 * kK)) scored.push_back({dot(cols.column(c), x), c});
    return indices(best_of(std::move(scored), kK));
  };
  auto random_set = [&](size_t q) {
    std::mt19937_64 r(q * 31 + 5);
    Set s;
    while (s.size() < kK) {
      const uint64_t c = r() % keys.count;
      if (!std::binary_search(s.begin(), s.end(), c)) s.insert(std::upper_bound(s.begin(), s.end(), c), c);
    }
    return s;
  };
  std::vector<Strategy> honest = {
      {"honest", [&](size_t, std::span<const float> x) { return indices(searcher.run(x)); }},
      {"exact", [&](size_t, std::span<const float> x) { return indices(exact_top_k(keys, x, kK, 1)); }},
      {"hnsw_ef40", [&](size_t, std::span<const float> x) { return hnsw_answer(*hnsw_ix, keys, x); }},
  };
  std::vector<Strategy> cheats = {
      {"random", [&](size_t q, std::span<const float>) { return random_set(q); }},
      {"fixed", [&](size_t, std::span<const float>) {
         Set s(kK);
         for (uint32_t i = 0; i < kK; ++i) s[i] = i;
         return s;
       }},
      // The narrowest beam that still fills k columns (ef 1..8 hold fewer than k).
      {"tiny_beam", [&](size_t, std::span<const float> x) { return indices(searcher.run(x, kK)); }},
      {"truncated_index", [&](size_t, std::span<const float> x) { return hnsw_answer(*half_ix, half, x); }},
  };

  const size_t timed = quick ? 100 : 500;
  std::map<std::string, Measured> all;  // strategy -> pooled over the sets
  for (auto& s : sets)
    for (auto* group : {&honest, &cheats})
      for (const Strategy& st : *group) {
        ctx.progress(st.name + " on " + s.name);
        Measured r = run(st, s, searcher, s.name == "test" ? timed : 0);
        Measured& pooled = all[st.name];
        pooled.answers += r.answers;
        pooled.faults += r.faults;
        pooled.differ_from_exact += r.differ_from_exact;
        if (s.name == "test") pooled.us = r.us;
        ctx.progress("  " + s.name + " " + st.name + ": " + std::to_string(r.faults) + " of " +
                     std::to_string(r.answers) + " provably faulty, " + std::to_string(r.differ_from_exact) +
                     " differ from the exact top-16");
      }

  // The synthetic model of intrinsic dimension 16: honest answers there too.
  const uint64_t syn_n = quick ? 20'000 : 1'000'000;
  SyntheticParams sp{.n = syn_n, .d = 128, .d_out = 16, .seed = 1, .latent = 16};
  ctx.progress("synthetic latent-16 model, n = " + std::to_string(syn_n));
  ScratchDir syn_scratch("economics-synthetic");
  must(build_synthetic_model(syn_scratch.path / "m", sp), "synthetic");
  auto syn_model = must(Model::open(syn_scratch.path / "m"), "open synthetic");
  const Searcher syn_searcher{syn_model->layers()[0], *syn_model->index(0), syn_model->keys(0)};
  QuerySet syn_q{"synthetic16", {}, {}};
  const size_t syn_queries = quick ? 500 : 10'000;
  for (size_t q = 0; q < syn_queries; ++q)
    syn_q.xs.push_back(must(query_from_input(synthetic_query(sp, 1000 + q), syn_model->layers()[0].hopfield()), "q"));
  exact_sets(syn_model->keys(0), syn_q);
  const Measured syn_honest =
      run({"honest", [&](size_t, std::span<const float> x) { return indices(syn_searcher.run(x)); }}, syn_q, syn_searcher, 0);

  for (auto* group : {&honest, &cheats})
    for (const Strategy& st : *group) {
      const Measured& m = all[st.name];
      ctx.report({"economics." + std::string(group == &honest ? "" : "cheat_") + st.name + "_fault_share", m.q(), "ratio", "",
                  std::to_string(m.faults) + " of " + std::to_string(m.answers) +
                      " fashion answers (test, shifted, noised, blended" + (quick ? ", quick: 500 each" : "") +
                      ") provably faulty; " + std::to_string(m.differ_from_exact) + " differ from the exact top-16; per-answer " +
                      num(m.us, 0) + " us"});
    }

  // Fraud proofs: their size and check time, against random-column answers to test images.
  ctx.progress("building and checking fraud proofs");
  const ModelVersion version = must(model_version(ghost_file_of(*model)), "version");
  std::vector<double> proof_bytes, verify_us;
  double answer_bytes = 0;
  for (uint64_t i = 0; i < (quick ? 10u : 40u); ++i) {
    const ByteSpan input = test.image(i);
    Inference inf = must(model->infer(input), "infer");
    const auto x = must(query_from_input(input, spec), "q");
    Leaves& leaves = inf.layers[0].leaves;
    leaves.indices = random_set(i);
    leaves.keys.clear();
    for (uint64_t c : leaves.indices) leaves.keys.insert(leaves.keys.end(), keys.column(c).begin(), keys.column(c).end());
    leaves.values.clear();
    for (uint64_t c : leaves.indices) {
      auto v = must(model->store().leaf(1, c), "value");
      leaves.values.insert(leaves.values.end(), v.begin(), v.end());
    }
    inf.layers[0].pass = must(forward_from_leaves(spec, x, leaves), "forward");
    const pb::GhostProof answer = make_ghost_proof(*model, version.model_id, 0, input, inf, LeafWire::shortest());
    answer_bytes = std::max(answer_bytes, double(answer.ByteSizeLong()));
    auto fraud = must(find_search_fraud(*model, version, answer), "fraud");
    if (!fraud) continue;
    proof_bytes.push_back(double(fraud->ByteSizeLong()));
    auto t0 = Clock::now();
    must(verify_search_fraud(*fraud, answer, version), "verify fraud");
    verify_us.push_back(1e6 * seconds_since(t0));
  }
  const pb::Params params = ledger::default_params();
  const double max_proof = proof_bytes.empty() ? 0 : *std::max_element(proof_bytes.begin(), proof_bytes.end());
  ctx.report({"economics.fraud_proof_bytes", proof_bytes.empty() ? 0 : median(proof_bytes), "B", "",
              "median search fraud proof (codes, graph rows, beam columns, zstd where shorter) over " +
                  std::to_string(proof_bytes.size()) + " random-column answers; largest " + num(max_proof, 0) +
                  " B; with the answer (" + num(answer_bytes, 0) + " B) under max_tx_bytes " +
                  std::to_string(params.max_tx_bytes())});
  ctx.report({"economics.fraud_verify_us", verify_us.empty() ? 0 : median(verify_us), "us", "",
              "median check of a search fraud proof with its answer (one replayed search, four multiproofs)"});

  // ---- money ----
  auto inf = must(model->infer(test.image(0)), "infer");
  const double tx_bytes = double(make_ghost_proof(*model, sha256("bench"), 0, test.image(0), inf).ByteSizeLong() + 200);
  Economy e;
  e.result_tx = double(params.base_fee()) + double(params.fee_per_byte()) * tx_bytes;
  // Reference price: three times the result tx's fee; the honest compute is valued at a
  // quarter of the net fee (what a worker's machine time costs is the worker's business).
  e.fee = 3 * e.result_tx;
  e.net = e.fee - double(ledger::apply_ppm(uint64_t(e.fee), params.protocol_fee_share_ppm()));
  e.compute_h = 0.25 * e.net;
  e.penalty = double(params.fault_penalty_prices()) * e.fee;
  e.miss_penalty = double(ledger::apply_ppm(uint64_t(e.fee), params.miss_penalty_ppm()));
  const double honest_us = all["honest"].us;
  auto compute = [&](const std::string& name) { return e.compute_h * all[name].us / honest_us; };
  const double honest_q = all["honest"].q();

  Economy every = e;
  every.s = 1;
  ctx.report({"economics.honest_penalty_share", honest_q * (every.penalty + every.net) / e.net, "ratio", "fee income",
              "every answer checked; " + std::to_string(all["honest"].faults) + " provable faults in " +
                  std::to_string(all["honest"].answers) + " fashion answers and " + std::to_string(syn_honest.faults) +
                  " in " + std::to_string(syn_honest.answers) + " synthetic16 (n " + std::to_string(syn_n) +
                  ") ones: the canonical answer cannot be proven faulty; goal <= 0.01"});
  const double lambda = honest_q * 100'000;
  double below = 0, term = std::exp(-lambda);
  for (uint64_t i = 0; i < params.max_faults_per_window(); ++i) {
    below += term;
    term *= lambda / double(i + 1);
  }
  ctx.report({"economics.honest_jailed_per_100k", 1 - below, "ratio", "",
              "probability that 100,000 honest answers, all checked and in one window, hold " +
                  std::to_string(params.max_faults_per_window()) + " proven faults (fault share " + num(honest_q, 5) +
                  "); goal 0"});

  e.s = double(params.spot_check_rate_ppm()) / 1e6;
  const double honest_profit = answer_profit(e, honest_q, e.compute_h);
  ctx.report({"economics.honest_profit_per_job", honest_profit, "ucredits", "",
              "fee " + num(e.fee, 0) + ", result tx " + num(e.result_tx, 0) + " (" + num(tx_bytes, 0) +
                  " B), honest compute " + num(e.compute_h, 0) + ", P " + num(e.penalty, 0) + ", s " + num(e.s, 2)});
  auto cheat = [&](const std::string& name, double profit, const std::string& how) {
    ctx.report({"economics.cheat_" + name + "_profit_per_job", profit, "ucredits", "",
                how + "; honest " + num(honest_profit, 0) + "; goal < 0"});
  };
  // The deterrence rule solved for P: the least penalty (in fees) that makes every answering
  // cheat lose at this s, P > (F_n - T - c) / (s q) - F_n.
  double needed = 0;
  for (const Strategy& st : cheats) {
    const double q = all[st.name].q();
    if (q > 0) needed = std::max(needed, ((e.net - e.result_tx - compute(st.name)) / (e.s * q) - e.net) / e.fee);
  }
  ctx.report({"economics.penalty_prices_needed", needed, "x fee", "",
              "least fault penalty that makes every answering cheat lose money at s " + num(e.s, 2) +
                  "; the chain's fault_penalty_prices is " + std::to_string(params.fault_penalty_prices())});
  for (const Strategy& st : cheats)
    cheat(st.name, answer_profit(e, all[st.name].q(), compute(st.name)), "fault share " + num(all[st.name].q(), 3));
  const double frac = 0.5;
  cheat("exact_fraction", frac * answer_profit(e, all["exact"].q(), compute("exact")) +
                              (1 - frac) * answer_profit(e, all["random"].q(), 0),
        "exact work on half the jobs, random columns on the rest");
  cheat("stale_version", refused_profit(e, true), "refused on execution (VERSION_MISMATCH), then missed");
  cheat("cached_answer", refused_profit(e, true), "refused on execution (the proof's input), then missed");
  cheat("wrong_output", refused_profit(e, true), "refused on execution (BAD_PROOF), then missed");
  cheat("silence", refused_profit(e, false), "the deadline's miss penalty");

  // Challengers: a proven fault pays r P; the challenge tx carries the answer and the proof.
  const double challenge_fee =
      double(params.base_fee()) + double(params.fee_per_byte()) * (answer_bytes + max_proof + 200);
  const double reward = double(ledger::apply_ppm(uint64_t(e.penalty), params.challenger_reward_ppm()));
  ctx.report({"economics.challenger_profit_per_fault", reward - challenge_fee, "ucredits", "",
              "reward " + num(reward, 0) + " minus the challenge tx's fee " + num(challenge_fee, 0) +
                  " (largest proof); challenging an honest answer can never be proven: it loses the fee and the bond (" +
                  std::to_string(params.challenge_bond()) + ")"});
  ctx.report({"economics.worker_cost_vs_ef40", honest_us / all["hnsw_ef40"].us, "ratio", "hnswlib ef 40",
              "per-answer medians: the canonical search (ef " + std::to_string(ef) + ") " + num(honest_us, 0) +
                  " us vs the former hnswlib worker at ef 40 " + num(all["hnsw_ef40"].us, 0) + " us; goal <= 2"});
}

}  // namespace

GHOST_BENCH_SUITE("economics", "honest and cheating workers' profit per job under the search fraud rule", economics_suite);

}  // namespace ghost::bench
