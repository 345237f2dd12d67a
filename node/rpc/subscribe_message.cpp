#include "node/rpc/subscribe_message.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace ghost::rpc {

bool valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > kMaxTopicBytes) return false;
  return std::ranges::all_of(topic, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<std::vector<std::string>> parse_subscribe(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  if (ec) return fail("not JSON: " + ec.message());
  const auto* obj = v.if_object();
  if (!obj || obj->size() != 1 || !obj->contains("subscribe"))
    return fail(R"(expected {"subscribe": ["topic", ...]})");
  const auto* list = obj->at("subscribe").if_array();
  if (!list || list->empty()) return fail("\"subscribe\" must be a non-empty list of topics");
  if (list->size() > kMaxTopics) return fail("at most " + std::to_string(kMaxTopics) + " topics");
  std::vector<std::string> topics;
  for (const auto& t : *list) {
    const auto* s = t.if_string();
    if (!s || !valid_topic(*s)) return fail("a topic is 1 to " + std::to_string(kMaxTopicBytes) + " characters of [A-Za-z0-9:._-]");
    std::string topic(s->data(), s->size());
    if (std::ranges::find(topics, topic) == topics.end()) topics.push_back(std::move(topic));
  }
  return topics;
}

}  // namespace ghost::rpc
