// Data-parallel loops over [0, n) on a few threads. The calling thread takes a share of the
// work, so one thread means no thread is started.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace ghost {

// `requested`, or every core when it is 0.
inline unsigned resolve_threads(unsigned requested) {
  return requested ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// fn(chunk, begin, end) for chunk t of `threads` (0 = every core): [n*t/T, n*(t+1)/T). Every
// chunk runs, empty ones included, so per-chunk state can be indexed by t.
template <class Fn>
void parallel_chunks(uint64_t n, unsigned threads, Fn&& fn) {
  const unsigned t_count = resolve_threads(threads);
  auto run = [&](unsigned t) { fn(t, n * t / t_count, n * (t + 1) / t_count); };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < t_count; ++t) pool.emplace_back(run, t);
  run(0);
}

// fn(i) for every i in [0, n), handed out one at a time (for items of uneven cost).
template <class Fn>
void parallel_for_each(uint64_t n, unsigned threads, Fn&& fn) {
  std::atomic<uint64_t> next{0};
  auto run = [&] {
    for (uint64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
  };
  const unsigned t_count = unsigned(std::min<uint64_t>(resolve_threads(threads), std::max<uint64_t>(n, 1)));
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < t_count; ++t) pool.emplace_back(run);
  run();
}

}  // namespace ghost
