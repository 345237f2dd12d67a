#include "node/rpc/connections.h"

#include <vector>

namespace ghost::rpc {

void Connections::add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  open_.emplace(connection.get(), connection);
  gauge_.set(double(open_.size()));
}

void Connections::remove(const Connection& connection) {
  std::lock_guard lock(mu_);
  open_.erase(&connection);
  gauge_.set(double(open_.size()));
}

size_t Connections::size() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void Connections::close_all() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, weak] : open_)
      if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (const auto& c : open) c->close();
}

}  // namespace ghost::rpc
