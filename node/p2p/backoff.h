// The delay before redialling a persistent peer: `min`, doubled after every attempt up to
// `max`, and back to `min` once a handshake completes.
#pragma once

#include <algorithm>
#include <chrono>

namespace ghost::p2p {

class Backoff {
 public:
  // A zero `min` would redial in a busy loop: at least 1 ms.
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(min_, max)), next_(min_) {}

  std::chrono::milliseconds next() {
    const auto d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_, max_, next_;
};

}  // namespace ghost::p2p
