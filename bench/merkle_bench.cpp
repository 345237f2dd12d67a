// Suite "merkle": tree build against raw SHA-256, threads, multiproof size and verify time.
#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "base/parallel.h"
#include "bench/bench.h"
#include "crypto/merkle.h"

namespace ghost::bench {
namespace {

void merkle_suite(Context& ctx) {
  const uint64_t n = ctx.quick() ? (1u << 16) : (1u << 20);
  const size_t leaf_bytes = 512;
  const int reps = ctx.quick() ? 3 : 5;
  ctx.progress("filling " + std::to_string(n) + " leaves of " + std::to_string(leaf_bytes) + " bytes");
  Bytes data(n * leaf_bytes);
  std::mt19937_64 rng(1);
  for (auto& b : data) b = uint8_t(rng());
  auto leaf = [&](uint64_t i) { return ByteSpan(data.data() + i * leaf_bytes, leaf_bytes); };

  // Baseline: raw SHA-256 over exactly the same bytes, one digest per leaf.
  Hash32 sink;
  double raw = median_seconds(reps, [&] {
    for (uint64_t i = 0; i < n; ++i) sink = sha256(leaf(i));
  });
  double one = median_seconds(reps, [&] { sink = merkle::Tree::build(n, leaf, 1).root(); });
  unsigned cores = resolve_threads(0);
  double all = median_seconds(reps, [&] { sink = merkle::Tree::build(n, leaf, cores).root(); });
  std::string size = std::to_string(n) + " leaves x " + std::to_string(leaf_bytes) + " B";
  ctx.report({"merkle.build_vs_sha256", raw / one, "ratio", "raw SHA-256 per leaf, same bytes",
              size + ", 1 thread; goal >= 0.8; " + std::to_string(n * leaf_bytes / one / 1e6) + " MB/s"});
  ctx.report({"merkle.build_threads_speedup", one / all, "ratio", "same build on 1 thread",
              std::to_string(cores) + " threads"});

  // Multiproof for k = 16 random columns of a 60,000-leaf tensor (the fashion-mnist W_K shape).
  const uint64_t cols = 60000;
  const size_t k = 16;
  merkle::Tree tree = merkle::Tree::build(cols, [&](uint64_t i) { return leaf(i % n); }, cores);
  std::vector<double> ratios, verify_us;
  for (int trial = 0; trial < 101; ++trial) {
    std::set<uint64_t> s;
    while (s.size() < k) s.insert(rng() % cols);
    std::vector<uint64_t> idx(s.begin(), s.end());
    merkle::Multiproof proof = tree.multiproof(idx);
    size_t separate = 0;
    for (uint64_t i : idx) separate += tree.multiproof({i}).byte_size();
    ratios.push_back(double(proof.byte_size()) / double(separate));
    std::vector<ByteSpan> leaves;
    for (uint64_t i : idx) leaves.push_back(leaf(i % n));
    verify_us.push_back(1e6 * median_seconds(5, [&] {
      if (!merkle::verify_multiproof(proof, leaves, tree.root())) std::abort();
    }));
  }
  ctx.report({"merkle.multiproof_vs_separate_bytes", median(ratios), "ratio", "16 separate single proofs",
              "n = 60000, k = 16 random leaves, median of 101 sets; goal <= 0.65"});
  ctx.report({"merkle.multiproof_verify_us", median(verify_us), "us", "",
              "n = 60000, k = 16 leaves of 512 B, incl. leaf hashing; median of 101 sets"});
  (void)sink;
}

}  // namespace
GHOST_BENCH_SUITE("merkle", "Merkle build vs raw SHA-256, multiproof size and verification", merkle_suite);
}  // namespace ghost::bench
