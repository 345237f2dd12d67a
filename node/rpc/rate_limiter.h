// Per-client request rate: a token bucket per address that refills at `per_second` up to
// `burst`; each request takes one token. Thread-safe. It remembers at most `max_clients`
// addresses; when that many are busy at once a new address is refused until one is idle.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ghost::rpc {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second <= 0 turns the limit off; a burst below 1 counts as 1.
  RateLimiter(double per_second, double burst, size_t max_clients = 65536);

  // Takes a token of `client`'s bucket; false when it is empty.
  bool allow(const std::string& client, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  double refilled(const Bucket& b, Clock::time_point now) const;

  const double per_second_;
  const double burst_;
  const size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point next_sweep_{};
};

}  // namespace ghost::rpc
