// A client's subscription to the node's event stream (GET /subscribe, docs/protocol.md §6.6):
// waiting on it wakes the client as soon as a block commits what it follows, instead of after
// a polling interval. The stream is a hint only; the caller still reads the state it waits for.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ghost::cli {

class NodeClient;

class EventStream {
 public:
  // Subscribed to `topics` on `node`, or null when the node cannot be reached that way (the
  // caller then polls).
  static std::unique_ptr<EventStream> open(const NodeClient& node, const std::vector<std::string>& topics,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Up to `timeout` for the next event: true when one came. A broken stream waits out the
  // timeout and says false, so a loop around it degrades to polling.
  bool wait(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  explicit EventStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghost::cli
