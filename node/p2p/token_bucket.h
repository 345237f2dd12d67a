// A rate limit averaged over a window: the bucket holds rate x window tokens, refills at
// `rate` per second, and each message takes one. Bursts within the window are fine; a
// sustained rate above `rate` empties it.
#pragma once

#include <algorithm>
#include <chrono>

namespace ghost::p2p {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate, std::chrono::milliseconds window, Clock::time_point now)
      : rate_(rate), capacity_(rate * std::chrono::duration<double>(window).count()), tokens_(capacity_), last_(now) {}

  // False when the bucket is empty: the message is over the rate.
  bool take(Clock::time_point now) {
    tokens_ = std::min(capacity_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace ghost::p2p
