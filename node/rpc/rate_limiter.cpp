#include "node/rpc/rate_limiter.h"

#include <algorithm>

namespace ghost::rpc {
namespace {

constexpr auto kSweepEvery = std::chrono::milliseconds(100);

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst, size_t max_clients)
    : per_second_(per_second), burst_(std::max(burst, 1.0)), max_clients_(std::max<size_t>(max_clients, 1)) {}

double RateLimiter::refilled(const Bucket& b, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  return std::min(burst_, b.tokens + std::max(elapsed, 0.0) * per_second_);
}

bool RateLimiter::allow(const std::string& client, Clock::time_point now) {
  if (per_second_ <= 0) return true;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    // A full bucket is what a forgotten client would get anyway: forget those to make room,
    // at most every kSweepEvery (a sweep reads every bucket).
    if (buckets_.size() >= max_clients_ && now >= next_sweep_) {
      std::erase_if(buckets_, [&](const auto& e) { return refilled(e.second, now) >= burst_; });
      next_sweep_ = now + kSweepEvery;
    }
    if (buckets_.size() >= max_clients_) return false;
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace ghost::rpc
