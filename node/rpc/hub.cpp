#include "node/rpc/hub.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <vector>

namespace ghost::rpc {

void Hub::subscribe(const std::string& topic, const std::shared_ptr<Subscriber>& subscriber) {
  std::lock_guard lock(mu_);
  topics_[topic].insert_or_assign(subscriber.get(), subscriber);
}

void Hub::unsubscribe(const std::string& topic, const Subscriber& subscriber) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  it->second.erase(&subscriber);
  if (it->second.empty()) topics_.erase(it);
}

size_t Hub::publish(const std::string& topic, std::string_view data_json) {
  std::vector<std::shared_ptr<Subscriber>> receivers;
  {
    std::lock_guard lock(mu_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return 0;
    for (const auto& [key, weak] : it->second)
      if (auto s = weak.lock()) receivers.push_back(std::move(s));
  }
  if (receivers.empty()) return 0;
  std::string text = R"({"topic":)" + boost::json::serialize(boost::json::string(topic)) + R"(,"data":)";
  text.append(data_json).append("}");
  const auto message = std::make_shared<const std::string>(std::move(text));
  // Outside the lock: a subscriber may take its own locks, and publishers do not wait on each other.
  for (const auto& s : receivers) s->deliver(message);
  return receivers.size();
}

}  // namespace ghost::rpc
