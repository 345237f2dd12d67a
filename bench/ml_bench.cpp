// Suite "ml": the sparse Hopfield layer on fashion-mnist and a synthetic model against dense
// OpenBLAS baselines measured in the same run; accuracy, recall, training, index and memory.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <thread>

#include "bench/bench.h"
#include "bench/ml_bench_util.h"
#include "ml/canonical.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/model.h"
#include "ml/serve/prove.h"
#include "ml/serve/synthetic.h"
#include "ml/verify/ghost_proof.h"
#include "ml/serve/graph_build.h"
#include "ml/serve/hnsw_index.h"

#ifdef GHOST_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace ghost::bench {
namespace {

using namespace ghost::ml;
namespace fs = std::filesystem;

// How many of `got` are in `want` (both ascending).
size_t overlap(const std::vector<uint64_t>& want, const std::vector<uint64_t>& got) {
  std::vector<uint64_t> both;
  std::set_intersection(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(both));
  return both.size();
}

// Per-query median of fn(q) over the queries.
template <class F>
double median_per_query_us(size_t queries, F&& fn) {
  std::vector<double> t;
  for (size_t q = 0; q < queries; ++q) {
    auto t0 = Clock::now();
    fn(q);
    t.push_back(1e6 * seconds_since(t0));
  }
  return median(t);
}

// In a child process (its own address space and peak): open the model and serve `queries`
// inputs with HNSW; returns the child's peak RSS growth in MB. Forked before the parent loads
// the data sets, so it starts small.
struct WorkerProbe {
  int to_child[2], from_child[2];
  pid_t pid = -1;
  long start_kb = 0;

  static long rss_kb() {
    FILE* f = std::fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::atol(line + 6);
    if (f) std::fclose(f);
    return kb;
  }

  WorkerProbe() {
    if (pipe(to_child) || pipe(from_child)) return;
    pid = fork();
    if (pid != 0) return;
    const long at_fork = rss_kb();
    char dir[4096] = {};
    if (read(to_child[0], dir, sizeof dir - 1) <= 0) _exit(0);
    ModelOptions o;
    auto m = Model::open(dir, o);
    long out[2] = {at_fork, -1};
    if (m) {
      Bytes input(784);
      for (int q = 0; q < 1000; ++q) {
        for (size_t j = 0; j < input.size(); ++j) input[j] = uint8_t((j * 7 + q * 13) % 251 + 1);
        if (!(*m)->infer(input)) _exit(1);
      }
      rusage ru{};
      getrusage(RUSAGE_SELF, &ru);
      out[1] = ru.ru_maxrss;
    }
    if (write(from_child[1], out, sizeof out) != sizeof out) _exit(1);
    _exit(0);
  }
  // Returns {rss at fork, peak rss} in MB, or {-1, -1}.
  std::pair<double, double> run(const fs::path& dir) {
    if (pid <= 0) return {-1, -1};
    const std::string s = dir.string();
    long out[2] = {-1, -1};
    if (write(to_child[1], s.data(), s.size()) == ssize_t(s.size())) {
      close(to_child[1]);
      if (read(from_child[0], out, sizeof out) != sizeof out) out[0] = out[1] = -1;
    }
    waitpid(pid, nullptr, 0);
    pid = -1;
    return {out[0] / 1024.0, out[1] / 1024.0};
  }
  ~WorkerProbe() {
    if (pid > 0) {
      close(to_child[1]);
      waitpid(pid, nullptr, 0);
    }
  }
};

#ifdef GHOST_HAVE_OPENBLAS
// The dense exact Hopfield forward: all n scores by sgemv, then top-k, softmax and output.
struct DenseLayer {
  const ColumnMatrix& keys;
  const std::vector<float>& values;  // n x d_out
  HopfieldSpec spec;
  mutable std::vector<float> scores;

  std::vector<float> softmax_output(const float* s) const {
    std::vector<Scored> all(spec.k);
    std::vector<uint32_t> idx(keys.count);
    for (uint32_t i = 0; i < keys.count; ++i) idx[i] = i;
    std::partial_sort(idx.begin(), idx.begin() + spec.k, idx.end(),
                      [&](uint32_t a, uint32_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
    std::vector<float> sel(spec.k);
    for (uint32_t r = 0; r < spec.k; ++r) sel[r] = s[idx[r]];
    auto p = ml::softmax(sel, spec.beta);
    std::vector<float> o(spec.d_out, 0.0f);
    for (uint32_t r = 0; r < spec.k; ++r)
      for (uint32_t j = 0; j < spec.d_out; ++j) o[j] += p[r] * values[idx[r] * spec.d_out + j];
    return o;
  }
  std::vector<float> forward(const std::vector<float>& x) const {
    scores.resize(keys.count);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, int(keys.count), int(keys.dim), 1.0f, keys.data.data(), int(keys.dim),
                x.data(), 1, 0.0f, scores.data(), 1);
    return softmax_output(scores.data());
  }
  // One batch (rows of xs, each d floats); returns outputs.
  std::vector<std::vector<float>> forward_batch(const std::vector<float>& xs, size_t batch) const {
    std::vector<float> s(batch * keys.count);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(batch), int(keys.count), int(keys.dim), 1.0f, xs.data(),
                int(keys.dim), keys.data.data(), int(keys.dim), 0.0f, s.data(), int(keys.count));
    std::vector<std::vector<float>> out;
    for (size_t b = 0; b < batch; ++b) out.push_back(softmax_output(s.data() + b * keys.count));
    return out;
  }
};
#endif

void fashion_part(Context& ctx) {
  const bool quick = ctx.quick();
  WorkerProbe probe;  // before anything big is loaded
  ctx.progress("loading fashion-mnist");
  const FashionSet train = must(load_fashion_train(), "fashion train");
  const FashionSet test = must(load_fashion_test(), "fashion test");
  const uint64_t n_test = quick ? 1000 : test.count;
  const HopfieldSpec spec = fashion_layer(train.count).hopfield();
  ScratchDir scratch("ml-fashion");
  const fs::path dir = scratch.path / "fashion";
  ctx.progress("building the fashion-mnist model (60,000 columns and their search graph) in " + dir.string());
  auto t0 = Clock::now();
  must(build_fashion_model(dir, train, 0, 0, /*progress=*/true), "build model");
  const double create_s = seconds_since(t0);
  ctx.report({"ml.fashion.index_build_s", create_s, "s", "",
              "the whole model: 60,000 x 784 weights written and hashed, codes and the committed search graph "
              "(M " + std::to_string(kDefaultGraphM) + ", ef_construction " + std::to_string(kGraphEfConstruction) +
                  ") built on one thread, deterministically"});
  auto [rss0, rss_peak] = probe.run(dir);  // the model is closed: LevelDB allows one process
  ModelOptions opt;
  t0 = Clock::now();
  auto model = must(Model::open(dir, opt), "open");
  const double load_s = seconds_since(t0);
  ctx.report({"ml.fashion.index_load_s", load_s, "s", "",
              "open = rehash all 60,000 x 4 leaves (W_K, W_V, codes, graph) against the stored roots + load the codes, "
              "the graph and W_K into memory; goal <= 3"});
  ctx.report({"ml.fashion.worker_peak_rss_mb", rss_peak - rss0, "MB", "",
              "peak RSS growth of a child process that opens the model and serves 1,000 graph-search queries (RSS " +
                  num(rss0, 0) + " MB at fork, peak " + num(rss_peak, 0) + " MB)"});

  // Accuracy (exact) and recall (HNSW vs exact).
  ctx.progress("exact top-16 over " + std::to_string(n_test) + " test images");
  std::vector<std::vector<uint64_t>> exact_sets(n_test);
  uint64_t right = 0;
  for (uint64_t i = 0; i < n_test; ++i) {
    auto inf = must(model->infer(test.image(i), Search::exact), "exact infer");
    right += argmax(inf.output()) == test.labels[i];
    exact_sets[i] = inf.layers[0].pass.selected;
  }
  ctx.report({"ml.fashion.accuracy", double(right) / double(n_test), "ratio", "test labels",
              "exact top-16 Hopfield, beta " + num(kFashionBeta, 0) + ", W_K = 60,000 training images; " + std::to_string(n_test) +
                  " test images" + (quick ? " (quick: first 1,000)" : "") + "; goal >= 0.855"});
  uint64_t found = 0, graph_right = 0;
  for (uint64_t i = 0; i < n_test; ++i) {
    auto inf = must(model->infer(test.image(i), Search::graph), "graph infer");
    graph_right += argmax(inf.output()) == test.labels[i];
    found += overlap(exact_sets[i], inf.layers[0].pass.selected);
  }
  const size_t ef = model->layers()[0].graph.ef;
  ctx.report({"ml.fashion.recall_at_k", double(found) / double(n_test * 16), "ratio", "exact top-16",
              "the canonical graph search (ef " + std::to_string(ef) + ", the beam re-scored canonically); accuracy with it " +
                  num(double(graph_right) / double(n_test)) + "; goal >= 0.97"});

  const size_t queries = quick ? 100 : 500;
  std::vector<std::vector<float>> xs;
  for (size_t q = 0; q < queries; ++q) xs.push_back(must(query_from_input(test.image(q), spec), "q"));
  const double ours_us = median_per_query_us(queries, [&](size_t q) { must(model->infer(test.image(q)), "infer"); });

#ifdef GHOST_HAVE_OPENBLAS
  std::vector<float> values;
  for (uint64_t i = 0; i < train.count; ++i) {
    auto t = one_hot(train.labels[i]);
    values.insert(values.end(), t.begin(), t.end());
  }
  DenseLayer dense{model->keys(0), values, spec, {}};
  const double dense_us = median_per_query_us(queries, [&](size_t q) { (void)dense.forward(xs[q]); });
  ctx.report({"ml.fashion.speedup_vs_dense_single", dense_us / ours_us, "ratio", "OpenBLAS sgemv exact forward",
              "per-query medians over " + std::to_string(queries) + " test images: dense " + num(dense_us, 0) +
                  " us, ours (graph search ef " + std::to_string(ef) + ", W_K and W_V in memory) " + num(ours_us, 0) + " us; goal >= 50"});
  // Batches of 256 on all cores.
  const size_t batch = 256, batches = quick ? 2 : 8;
  std::vector<float> xb;
  for (size_t b = 0; b < batch; ++b) xb.insert(xb.end(), xs[b % queries].begin(), xs[b % queries].end());
  // Ours first: OpenBLAS worker threads keep spinning for a while after a call.
  const double ours_batch = median_seconds(int(batches), [&] {
    parallel_for_each(batch, 0, [&](uint64_t b) { must(model->infer(test.image(b % queries)), "infer"); });
  }) / batch;
  const double dense_batch = median_seconds(int(batches), [&] { (void)dense.forward_batch(xb, batch); }) / batch;
  ctx.report({"ml.fashion.speedup_vs_dense_batch", dense_batch / ours_batch, "ratio", "OpenBLAS sgemm, batch 256",
              "per query, all " + std::to_string(cores()) + " cores: dense " + num(1e6 * dense_batch, 0) + " us, ours " +
                  num(1e6 * ours_batch, 0) + " us; goal >= 5"});
#else
  ctx.report({"ml.fashion.speedup_vs_dense_single", 0, "ratio", "", "OpenBLAS not found at build time: not measured"});
#endif

  // Our forward with proof generation vs a bare hnswlib search at the same ef, on a graph of
  // hnswlib's own float32 inner-product space over the same columns.
  ctx.progress("building a plain float32 hnswlib graph as the baseline");
  HnswParams raw_params;
  raw_params.distance = HnswDistance::float32;
  const auto raw = HnswIndex::build(model->keys(0), raw_params);
  const Hash32 model_id = sha256("bench");
  const double raw_us = median_per_query_us(queries, [&](size_t q) { (void)raw->search(xs[q], 16); });
  const double proof_us = median_per_query_us(queries, [&](size_t q) {
    auto inf = must(model->infer(test.image(q)), "infer");
    auto proof = make_ghost_proof(*model, model_id, 1, test.image(q), inf);
    if (proof.layers_size() != 1) std::abort();
  });
  ctx.report({"ml.fashion.overhead_vs_raw_hnsw", proof_us / raw_us, "ratio", "bare hnswlib searchKnn(k = 16)",
              "ours = decode + normalize + the canonical graph search over int8 codes + canonical re-score of the "
              "beam + leaves + forward + ghost proof; baseline = searchKnn on hnswlib's own float32 inner-product "
              "graph, same M, ef_construction and ef " + std::to_string(ef) + "; per-query medians " + num(proof_us, 0) + " vs " +
                  num(raw_us, 0) + " us; goal <= 1.3"});
}

// A synthetic model of `kind` at scale: the recall of the canonical graph search and the
// speedup over the dense forward.
void synthetic_model(Context& ctx, const std::string& kind, const SyntheticParams& p) {
  const bool quick = ctx.quick();
  const std::string name = "ml.synthetic." + kind;
  const HopfieldSpec spec = synthetic_layer(p).hopfield();
  ScratchDir scratch("ml-synthetic");
  const fs::path dir = scratch.path / "synthetic";
  ctx.progress("building a " + kind + " synthetic model, n = " + std::to_string(p.n) + ", d = " + std::to_string(p.d));
  auto t0 = Clock::now();
  must(build_synthetic_model(dir, p, 0, /*progress=*/true), "synthetic");
  const double build_s = seconds_since(t0);
  auto model = must(Model::open(dir), "open synthetic");
  const size_t queries = quick ? 100 : 300;
  std::vector<Bytes> inputs;
  std::vector<std::vector<float>> xs;
  ctx.progress("exact top-16 and graph search of " + std::to_string(queries) + " queries");
  const size_t ef = model->layers()[0].graph.ef;
  size_t found = 0;
  for (size_t q = 0; q < queries; ++q) {
    inputs.push_back(synthetic_query(p, 1000 + q));
    xs.push_back(must(query_from_input(inputs.back(), spec), "q"));
    const auto exact = must(model->infer(inputs[q], Search::exact), "exact").layers[0].pass.selected;
    found += overlap(exact, must(model->infer(inputs[q]), "infer").layers[0].pass.selected);
  }
  const std::string where = "n = " + std::to_string(p.n) + (quick ? " (quick: not the 1,000,000 of the goal)" : "") +
                            ", d = " + std::to_string(p.d) + ", k = 16, " +
                            (p.latent ? "intrinsic dimension " + std::to_string(p.latent)
                                        : std::string("uniform on the sphere"));
  ctx.report({name + ".recall_at_k", double(found) / double(queries * p.k), "ratio", "exact top-16",
              where + "; the canonical graph search at ef " + std::to_string(ef) + " over " + std::to_string(queries) +
                  " queries"});
  const double ours_us = median_per_query_us(queries, [&](size_t q) { must(model->infer(inputs[q]), "infer"); });
#ifdef GHOST_HAVE_OPENBLAS
  std::vector<float> values(p.n * p.d_out);
  for (uint64_t i = 0; i < p.n; ++i) synthetic_value(p, i, {values.data() + i * p.d_out, p.d_out});
  DenseLayer dense{model->keys(0), values, spec, {}};
  const double dense_us = median_per_query_us(queries, [&](size_t q) { (void)dense.forward(xs[q]); });
  ctx.report({name + ".speedup_vs_dense_single", dense_us / ours_us, "ratio", "OpenBLAS sgemv exact forward",
              where + "; ef " + std::to_string(ef) + "; per-query medians: dense " + num(dense_us, 0) + " us, ours " +
                  num(ours_us, 0) + " us; model and graph built in " + num(build_s, 1) + " s; goal >= 200"});
#else
  (void)ours_us;
  ctx.report({name + ".speedup_vs_dense_single", 0, "ratio", "", "OpenBLAS not found at build time: not measured"});
#endif
}

void synthetic_part(Context& ctx) {
  const uint64_t n = ctx.quick() ? 20000u : 1000000u;
  // Intrinsic dimension 16, about that of image descriptors and embeddings.
  synthetic_model(ctx, "latent16", {.n = n, .d = 128, .d_out = 16, .seed = 1, .latent = 16});
  // No neighbour structure at all: the worst case for any index.
  synthetic_model(ctx, "uniform", {.n = n, .d = 128, .d_out = 16, .seed = 1});
}

void ml_suite(Context& ctx) {
  fashion_part(ctx);
  synthetic_part(ctx);
}

}  // namespace

GHOST_BENCH_SUITE("ml", "sparse Hopfield layer vs dense OpenBLAS; accuracy, recall, training, index, memory", ml_suite);

}  // namespace ghost::bench
