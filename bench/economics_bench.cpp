// Suite "economics": does honest HNSW work pay and every cheat lose money, at the default
// model, search and chain parameters? First measured: how many of the exact top-k each
// search misses on fashion-mnist (test images and shifted, noised and blended copies) and on
// a synthetic model of intrinsic dimension 16, and what each search costs; then the expected
// profit per job of the honest worker and of each cheat under the ledger's rules
// (docs/decisions.md, "Recall faults cost a multiple of the fee").
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iterator>
#include <map>
#include <random>

#include "bench/bench.h"
#include "bench/ml_bench_util.h"
#include "consensus/ledger/params.h"
#include "ml/canonical.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/hnsw_index.h"
#include "ml/serve/model.h"
#include "ml/serve/prove.h"
#include "ml/serve/synthetic.h"

namespace ghost::bench {
namespace {

using namespace ghost::ml;
namespace fs = std::filesystem;

constexpr uint32_t kK = 16;
using Set = std::vector<uint64_t>;  // ascending column indices
// counts[x] = answers that miss exactly x of the exact top-k (0..k).
using MissHistogram = std::array<uint64_t, kK + 1>;

size_t misses(const Set& exact, const Set& got) {
  Set both;
  std::set_intersection(exact.begin(), exact.end(), got.begin(), got.end(), std::back_inserter(both));
  return exact.size() - both.size();
}
Set indices(const std::vector<Scored>& s) {
  Set out;
  for (const Scored& x : s) out.push_back(x.index);
  return out;
}
// Share of answers a recall fraud proof could challenge at this m: misses >= m.
double share_at_least(const MissHistogram& h, uint32_t m) {
  uint64_t all = 0, hit = 0;
  for (uint32_t x = 0; x <= kK; ++x) {
    all += h[x];
    if (x >= m) hit += h[x];
  }
  return all ? double(hit) / double(all) : 0;
}
uint64_t count_at_least(const MissHistogram& h, uint32_t m) {
  uint64_t hit = 0;
  for (uint32_t x = m; x <= kK; ++x) hit += h[x];
  return hit;
}
uint64_t total(const MissHistogram& h) {
  uint64_t all = 0;
  for (uint64_t c : h) all += c;
  return all;
}

// The worker's search and how sure it is of it: the gap between the k-th best candidate
// and the last of the `want` re-scored ones. A small gap means the graph found many columns
// near the cut, and the beam may have missed some above it.
// The search is the model's (ml/serve/model.cpp select): `want` candidates from the graph at
// its beam, re-scored canonically, the best k kept.
struct Searched {
  Set set;
  float margin;
  float best;  // the best score found: low for a query far from every column it reached
};
Searched hnsw_search(const HnswIndex& ix, std::span<const float> x, size_t want) {
  std::vector<Scored> scored;
  for (uint64_t c : ix.search(x, want)) scored.push_back({dot(ix.column(c), x), c});
  std::sort(scored.begin(), scored.end(), better);
  const float kth = scored.size() >= kK ? scored[kK - 1].score : -2.0f;
  const float margin = scored.size() > kK ? kth - scored.back().score : 2.0f;
  const float best = scored.empty() ? -2.0f : scored.front().score;
  return {indices(best_of(std::move(scored), kK)), margin, best};
}

// One way of answering, run over every query of a set.
struct Strategy {
  std::string name;
  std::function<void()> prepare;  // sets the beam before a run (searches share the index)
  std::function<Set(size_t query, std::span<const float> x)> answer;
};

struct Measured {
  MissHistogram hist{};
  double us = 0;  // median per-answer time, one thread
  // Per answer, by how much a fraud proof's m columns could beat a_m at the model's m: the
  // m-th best exact score outside the answer minus a_m (negative when no proof exists).
  std::vector<float> gaps;
};

// The queries of one data set with their exact top-k.
struct QuerySet {
  std::string name;
  std::vector<std::vector<float>> xs;
  std::vector<Set> exact;
  std::vector<std::vector<Scored>> exact_scored;
};

float fraud_gap(const ColumnMatrix& keys, std::span<const float> x, const Set& answer,
                const std::vector<Scored>& exact, uint32_t m) {
  std::vector<float> own;
  for (uint64_t c : answer) own.push_back(dot(keys.column(c), x));
  std::sort(own.begin(), own.end());
  std::vector<float> outside;
  for (const Scored& e : exact)
    if (!std::binary_search(answer.begin(), answer.end(), e.index)) outside.push_back(e.score);
  std::sort(outside.rbegin(), outside.rend());
  return outside.size() >= m ? outside[m - 1] - own[m - 1] : -1.0f;
}

Measured run(const Strategy& s, const QuerySet& q, size_t timed, const ColumnMatrix& keys, uint32_t fraud_m) {
  Measured m;
  if (s.prepare) s.prepare();
  std::vector<Set> got(q.xs.size());
  parallel_for_each(q.xs.size(), 0, [&](uint64_t i) { got[i] = s.answer(i, q.xs[i]); });
  for (size_t i = 0; i < q.xs.size(); ++i) {
    ++m.hist[misses(q.exact[i], got[i])];
    m.gaps.push_back(fraud_gap(keys, q.xs[i], got[i], q.exact_scored[i], fraud_m));
  }
  std::vector<double> t;
  for (size_t i = 0; i < std::min(timed, q.xs.size()); ++i) {
    auto t0 = Clock::now();
    (void)s.answer(i, q.xs[i]);
    t.push_back(1e6 * seconds_since(t0));
  }
  m.us = median(t);
  return m;
}

void exact_sets(const ColumnMatrix& keys, QuerySet& q) {
  q.exact.clear();
  q.exact_scored.clear();
  const size_t batch = 256;
  for (size_t b = 0; b < q.xs.size(); b += batch) {
    std::span<const std::vector<float>> part(q.xs.data() + b, std::min(batch, q.xs.size() - b));
    for (auto& s : exact_top_k_batch(keys, part, kK)) {
      q.exact.push_back(indices(s));
      q.exact_scored.push_back(std::move(s));
    }
  }
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
  double penalty;      // P: a proven recall fault
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
  const uint32_t m_now = 5;  // the former recall rule's m at k 16, min_recall 0.75
  ScratchDir scratch("economics");
  const fs::path dir = scratch.path / "fashion";
  ctx.progress("building the fashion-mnist model and its index");
  must(build_fashion_model(dir, train), "build model");
  auto model = must(Model::open(dir), "open");
  const ColumnMatrix& keys = model->keys(0);
  const HnswParams hnsw;
  ctx.progress("building an hnswlib index of the columns");
  const auto hnsw_ix = HnswIndex::build(keys, hnsw);
  const HnswIndex& ix = *hnsw_ix;
  const size_t default_ef = hnsw.ef;

  const uint64_t n_test = quick ? 500 : test.count;
  auto sets = fashion_queries(test, n_test, spec);
  for (auto& s : sets) {
    ctx.progress("exact top-16 of " + std::to_string(s.xs.size()) + " " + s.name + " queries");
    exact_sets(keys, s);
  }

  // How well the margin tells the answers a fraud proof could catch: flag the answers of
  // smallest margin, count what stays challengeable among the others.
  for (size_t ef : {size_t(40), size_t(100)}) {
    const_cast<HnswIndex&>(ix).set_ef(ef);
    std::vector<std::pair<float, size_t>> by_margin, by_best;  // (signal, misses)
    for (auto& q : sets) {
      std::vector<Searched> got(q.xs.size());
      parallel_for_each(q.xs.size(), 0, [&](uint64_t i) { got[i] = hnsw_search(ix, q.xs[i], 2 * kK); });
      for (size_t i = 0; i < got.size(); ++i) {
        by_margin.push_back({got[i].margin, misses(q.exact[i], got[i].set)});
        by_best.push_back({got[i].best, by_margin.back().second});
      }
    }
    std::sort(by_margin.begin(), by_margin.end());
    std::sort(by_best.begin(), by_best.end());
    // Per m, how many answers past the `cut` lowest are still challengeable.
    const auto left_after = [](const auto& sorted, size_t cut) {
      std::string row;
      for (uint32_t m = 3; m <= 11; m += 2) {
        size_t left = 0;
        for (size_t i = cut; i < sorted.size(); ++i) left += sorted[i].second >= m;
        row += " m" + std::to_string(m) + "=" + std::to_string(left);
      }
      return row;
    };
    for (double flag : {0.01, 0.05, 0.1, 0.2, 0.3}) {
      const size_t cut = size_t(flag * double(by_best.size()));
      const std::string row = left_after(by_best, cut);
      ctx.progress("  best score ef" + std::to_string(ef) + ": flag " + num(100 * flag, 1) + "% (best < " +
                   num(by_best[cut].first, 4) + "), challengeable left of " + std::to_string(by_best.size()) + ":" + row);
    }
    for (double flag : {0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2}) {
      const size_t cut = size_t(flag * double(by_margin.size()));
      const std::string row = left_after(by_margin, cut);
      ctx.progress("  margin ef" + std::to_string(ef) + ": flag " + num(100 * flag, 1) + "% (margin < " +
                   num(cut < by_margin.size() ? by_margin[cut].first : 0, 5) + "), challengeable left of " +
                   std::to_string(by_margin.size()) + ":" + row);
    }
  }

  // A truncated index: a worker that indexed only half the columns.
  ctx.progress("building a truncated index (half the columns)");
  ColumnMatrix half(keys.dim, keys.count / 2);
  std::copy(keys.data.begin(), keys.data.begin() + half.data.size(), half.data.begin());
  auto half_ix = HnswIndex::build(half, hnsw);

  auto beam = [&](size_t ef, size_t want) {
    return Strategy{"ef" + std::to_string(ef), [&ix, ef] { const_cast<HnswIndex&>(ix).set_ef(ef); },
                    [&ix, want](size_t, std::span<const float> x) { return hnsw_search(ix, x, want).set; }};
  };
  const std::vector<size_t> efs = quick ? std::vector<size_t>{40, 100} : std::vector<size_t>{40, 64, 100, 160, 400, 1000};
  std::vector<Strategy> honest;
  for (size_t ef : efs) honest.push_back(beam(ef, 2 * kK));
  std::vector<Strategy> cheats = {
      {"random", nullptr,
       [&](size_t q, std::span<const float>) {
         std::mt19937_64 r(q * 31 + 5);
         Set s;
         while (s.size() < kK) {
           uint64_t c = r() % keys.count;
           if (!std::binary_search(s.begin(), s.end(), c)) s.insert(std::upper_bound(s.begin(), s.end(), c), c);
         }
         return s;
       }},
      {"fixed", nullptr,
       [&](size_t, std::span<const float>) {
         Set s(kK);
         for (uint32_t i = 0; i < kK; ++i) s[i] = i;
         return s;
       }},
      // hnswlib searches with max(ef, count): a beam of 1..8 returning k is a beam of k.
      {"tiny_beam", [&ix] { const_cast<HnswIndex&>(ix).set_ef(1); },
       [&ix](size_t, std::span<const float> x) { return hnsw_search(ix, x, kK).set; }},
      {"truncated_index", [&] { half_ix->set_ef(default_ef); },
       [&](size_t, std::span<const float> x) { return hnsw_search(*half_ix, x, 2 * kK).set; }},
  };

  // Measure every strategy on every query set; the histograms add over sets.
  const size_t timed = quick ? 100 : 500;
  std::map<std::string, Measured> all;  // strategy -> pooled
  for (auto& s : sets)
    for (auto* group : {&honest, &cheats})
      for (const Strategy& st : *group) {
        ctx.progress(st.name + " on " + s.name);
        Measured r = run(st, s, s.name == "test" ? timed : 0, keys, m_now);
        Measured& pooled = all[st.name];
        pooled.gaps.insert(pooled.gaps.end(), r.gaps.begin(), r.gaps.end());
        for (uint32_t x = 0; x <= kK; ++x) pooled.hist[x] += r.hist[x];
        if (s.name == "test") pooled.us = r.us;
        std::string row;
        for (uint32_t m = 3; m <= 13; m += 2) row += " m" + std::to_string(m) + "=" + std::to_string(count_at_least(r.hist, m));
        ctx.progress("  " + s.name + " " + st.name + ": answers missing >= m of 16 of " + std::to_string(total(r.hist)) + ":" + row);
      }
  const_cast<HnswIndex&>(ix).set_ef(default_ef);

  // The synthetic model of intrinsic dimension 16.
  const uint64_t syn_n = quick ? 20'000 : 200'000;
  SyntheticParams sp{.n = syn_n, .d = 128, .d_out = 16, .seed = 1, .latent = 16};
  ctx.progress("synthetic latent-16 model, n = " + std::to_string(syn_n));
  MemoryLayer syn = synthetic_memory_layer(sp);
  auto syn_ix = HnswIndex::build(syn.keys(), hnsw);
  QuerySet syn_q{"synthetic16", {}, {}, {}};
  const size_t syn_queries = quick ? 500 : 10'000;
  for (size_t q = 0; q < syn_queries; ++q) syn_q.xs.push_back(must(query_from_input(synthetic_query(sp, 1000 + q), syn.spec()), "q"));
  exact_sets(syn.keys(), syn_q);
  std::map<size_t, MissHistogram> syn_hist;
  for (size_t ef : efs) {
    Strategy st{"ef" + std::to_string(ef), [&, ef] { syn_ix->set_ef(ef); },
                [&](size_t, std::span<const float> x) { return hnsw_search(*syn_ix, x, 2 * kK).set; }};
    syn_hist[ef] = run(st, syn_q, 0, syn.keys(), m_now).hist;
    std::string row;
    for (uint32_t m = 3; m <= 13; m += 2) row += " m" + std::to_string(m) + "=" + std::to_string(count_at_least(syn_hist[ef], m));
    ctx.progress("  synthetic16 ef" + std::to_string(ef) + ":" + row);
  }

  // Report the pooled miss tails of the honest searches at the model's m and at m' = 9.
  for (size_t ef : efs) {
    const MissHistogram& h = all["ef" + std::to_string(ef)].hist;
    std::string note = std::to_string(total(h)) + " fashion answers (test, shifted, noised, blended";
    note += quick ? ", quick: 500 each)" : ")";
    std::string tail;
    for (uint32_t m = 1; m <= kK; ++m) tail += (m > 1 ? " " : "") + std::to_string(count_at_least(h, m));
    ctx.report({"economics.fashion_ef" + std::to_string(ef) + "_challengeable_share", share_at_least(h, m_now), "ratio", "",
                note + "; missing >= m for m = 1..16: " + tail + "; per-answer " + num(all["ef" + std::to_string(ef)].us, 0) +
                    " us; synthetic16 (n = " + std::to_string(syn_n) + ", " + std::to_string(syn_queries) +
                    " queries) missing >= m: " + std::to_string(count_at_least(syn_hist[ef], m_now)) + " at m " +
                    std::to_string(m_now)});
  }
  for (const Strategy& st : cheats) {
    const MissHistogram& h = all[st.name].hist;
    std::string tail;
    for (uint32_t m = 1; m <= kK; ++m) tail += (m > 1 ? " " : "") + num(share_at_least(h, m), 3);
    ctx.report({"economics.cheat_" + st.name + "_fault_share", share_at_least(h, m_now), "ratio", "",
                "share of answers a fraud proof catches at m " + std::to_string(m_now) + "; for m = 1..16: " + tail +
                    "; per-answer " + num(all[st.name].us, 1) + " us"});
  }

  // A fraud proof that had to beat a_m by a margin delta: who could still be caught.
  for (auto* group : {&honest, &cheats})
    for (const Strategy& st : *group) {
      const auto& g = all[st.name].gaps;
      std::string row;
      for (float delta : {0.0f, 0.001f, 0.002f, 0.005f, 0.01f, 0.02f, 0.05f}) {
        size_t over = 0;
        for (float x : g) over += x > delta;
        row += " " + num(delta, 3) + ":" + num(double(over) / double(g.size()), 4);
      }
      ctx.report({"economics.gap_" + st.name, 0, "", "", "share of answers provable at m " + std::to_string(m_now) +
                  " if the proof's columns had to beat a_m by delta (delta:share):" + row});
    }

  // ---- money ----
  const pb::Params params = ledger::default_params();
  const uint32_t m = m_now;
  const MissHistogram& honest_h = all["ef" + std::to_string(default_ef)].hist;
  const double honest_q = share_at_least(honest_h, m);
  // The result tx: the answer's ghost proof plus ~200 bytes of envelope.
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
  const double honest_us = all["ef" + std::to_string(default_ef)].us;
  auto compute = [&](const std::string& name) { return e.compute_h * all[name].us / honest_us; };

  Economy every = e;
  every.s = 1;
  const double honest_penalty = honest_q * (every.penalty + every.net);
  ctx.report({"economics.honest_penalty_share", honest_penalty / e.net, "ratio", "fee income",
              "every answer checked; fault share " + num(honest_q, 5) + " at ef " + std::to_string(default_ef) + ", m " +
                  std::to_string(m) + ", P = " + std::to_string(params.fault_penalty_prices()) + " x fee; goal <= 0.01"});
  // Jailed: max_faults_per_window proven faults inside one window, with every answer checked
  // and all 100,000 answers in one window (Poisson, the worst case).
  const double lambda = honest_q * 100'000;
  double below = 0, term = std::exp(-lambda);
  for (uint64_t i = 0; i < params.max_faults_per_window(); ++i) {
    below += term;
    term *= lambda / double(i + 1);
  }
  ctx.report({"economics.honest_jailed_per_100k", 1 - below, "ratio", "",
              "probability that 100,000 honest answers, all checked and in one window, hold " +
                  std::to_string(params.max_faults_per_window()) + " proven faults; goal 0"});

  e.s = double(params.spot_check_rate_ppm()) / 1e6;
  const double honest_profit = answer_profit(e, honest_q, e.compute_h);
  const std::string basis = "fee " + num(e.fee, 0) + ", result tx " + num(e.result_tx, 0) + " (" + num(tx_bytes, 0) +
                            " B), honest compute " + num(e.compute_h, 0) + ", P " + num(e.penalty, 0) + ", s " +
                            num(e.s, 2) + "; honest " + num(honest_profit, 0);
  ctx.report({"economics.honest_profit_per_job", honest_profit, "ucredits", "", basis});
  auto cheat = [&](const std::string& name, double profit, const std::string& how) {
    ctx.report({"economics.cheat_" + name + "_profit_per_job", profit, "ucredits", "",
                how + "; honest " + num(honest_profit, 0) + "; goal < 0"});
  };
  // The deterrence rule solved for P: the least penalty (in fees) that makes every answering
  // cheat lose at this s, P > (F_n - T - c) / (s q) - F_n.
  double needed = 0;
  for (const Strategy& st : cheats) {
    const double q = share_at_least(all[st.name].hist, m);
    if (q > 0) needed = std::max(needed, ((e.net - e.result_tx - compute(st.name)) / (e.s * q) - e.net) / e.fee);
  }
  ctx.report({"economics.penalty_prices_needed", needed, "x fee", "",
              "least fault penalty that makes every answering cheat above lose money at s " + num(e.s, 2) +
                  "; the chain's fault_penalty_prices is " + std::to_string(params.fault_penalty_prices())});
  for (const Strategy& st : cheats)
    cheat(st.name, answer_profit(e, share_at_least(all[st.name].hist, m), compute(st.name)),
          "fault share " + num(share_at_least(all[st.name].hist, m), 3));
  const double frac = 0.5;
  cheat("exact_fraction",
        frac * honest_profit + (1 - frac) * answer_profit(e, share_at_least(all["random"].hist, m), 0),
        "exact on half the jobs, random columns on the rest");
  cheat("stale_version", refused_profit(e, true), "refused on execution (VERSION_MISMATCH), then missed");
  cheat("cached_answer", refused_profit(e, true), "refused on execution (the proof's input), then missed");
  cheat("wrong_output", refused_profit(e, true), "refused on execution (BAD_PROOF), then missed");
  cheat("silence", refused_profit(e, false), "the deadline's miss penalty");

  const double ef40_us = all["ef40"].us;
  ctx.report({"economics.worker_cost_vs_ef40", honest_us / ef40_us, "ratio", "ef 40",
              "per-answer medians at the default search (ef " + std::to_string(default_ef) + ") " + num(honest_us, 0) +
                  " us vs ef 40 " + num(ef40_us, 0) + " us; goal <= 2"});
}

}  // namespace

GHOST_BENCH_SUITE("economics", "honest and cheating workers' profit per job under the recall fraud rules", economics_suite);

}  // namespace ghost::bench
