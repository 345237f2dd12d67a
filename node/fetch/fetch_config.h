// The [fetch] section of ghostd's configuration: how this node serves weight ranges to peers
// and fetches them (`ghostd fetch-model`).
#pragma once

#include <cstdint>

namespace ghost::fetch {

// Requests one peer may have answered at once (more is a flood); fetch.per_peer stays below it:
// a new ask can reach the server a moment before it counts the last answer as sent.
inline constexpr uint32_t kServedPerPeer = 4;

struct FetchConfig {
  uint32_t per_peer = 3;           // ranges asked of one peer at a time while fetching
  uint64_t timeout_ms = 20000;     // a range unanswered this long is asked of another peer
  uint64_t serve_mb_per_s = 0;     // upload cap for the ranges served to all peers; 0 = none
  bool test_tamper = false;        // TEST ONLY: alter one leaf of every range served (refused
                                   // unless the genesis allows test modes)
};

}  // namespace ghost::fetch
