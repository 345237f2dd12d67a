// Helpers shared by the parts of the "ml" suite.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace ghost::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
inline unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }
// v with `prec` decimals, for notes.
inline std::string num(double v, int prec = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}
inline size_t argmax(const std::vector<float>& v) {
  return size_t(std::max_element(v.begin(), v.end()) - v.begin());
}

// Runs fn(i) for i in [0, n) on all cores.
template <class F>
void parallel(size_t n, F&& fn) {
  std::atomic<size_t> next{0};
  std::vector<std::jthread> pool;
  for (unsigned t = 0; t < cores(); ++t)
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
}

}  // namespace ghost::bench
