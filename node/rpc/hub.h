// Who listens to which topic, and the fan-out of a published event to them. Thread-safe.
// Subscribers are held weakly: one that is gone is skipped.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ghost::rpc {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Called from any thread with a message shared by every subscriber of the topic.
  virtual void deliver(std::shared_ptr<const std::string> message) = 0;
};

class Hub {
 public:
  void subscribe(const std::string& topic, const std::shared_ptr<Subscriber>& subscriber);
  void unsubscribe(const std::string& topic, const Subscriber& subscriber);

  // Delivers {"topic": T, "data": <data_json as is>} to every subscriber of `topic`; returns
  // how many it reached. The message is built only when someone listens.
  size_t publish(const std::string& topic, std::string_view data_json);

 private:
  using Subscribers = std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>>;
  std::mutex mu_;
  std::unordered_map<std::string, Subscribers> topics_;
};

}  // namespace ghost::rpc
