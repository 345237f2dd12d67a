// What a /subscribe client sends: {"subscribe": ["blocks", "account:gc1...", "job:HEX", ...]}.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ghost::rpc {

inline constexpr size_t kMaxTopicBytes = 128;
inline constexpr size_t kMaxTopics = 64;  // per message and per connection

// 1 to kMaxTopicBytes characters of [A-Za-z0-9:._-].
bool valid_topic(std::string_view topic);

// The topics named, in order, without repeats. kInvalid for anything else: not JSON, another
// shape or key, an empty list, more than kMaxTopics, a topic that is not valid_topic.
Result<std::vector<std::string>> parse_subscribe(std::string_view text);

}  // namespace ghost::rpc
