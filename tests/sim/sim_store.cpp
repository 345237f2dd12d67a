#include "tests/sim/sim_store.h"

namespace ghost::sim {

void MemStore::count_write(const std::string& name) {
  ++files_[name].writes;
  if (crash_countdown_ && name == crash_file_ && --crash_countdown_ == 0) throw Crash{};
}

uint64_t MemStore::writes(const std::string& file) const {
  auto it = files_.find(file);
  return it == files_.end() ? 0 : it->second.writes;
}

Result<std::optional<Bytes>> MemStore::read(const std::string& name) {
  auto it = files_.find(name);
  if (it == files_.end()) return std::optional<Bytes>{};
  Bytes all = it->second.durable;
  all.insert(all.end(), it->second.pending.begin(), it->second.pending.end());
  return std::optional<Bytes>{std::move(all)};
}

Result<void> MemStore::write_atomic(const std::string& name, ByteSpan data) {
  count_write(name);
  File& f = files_[name];
  f.durable.assign(data.begin(), data.end());
  f.pending.clear();
  return {};
}

Result<void> MemStore::append(const std::string& name, ByteSpan data) {
  count_write(name);
  File& f = files_[name];
  f.pending.insert(f.pending.end(), data.begin(), data.end());
  return {};
}

Result<void> MemStore::sync(const std::string& name) {
  count_write(name);
  File& f = files_[name];
  f.durable.insert(f.durable.end(), f.pending.begin(), f.pending.end());
  f.pending.clear();
  return {};
}

Result<void> MemStore::truncate(const std::string& name, uint64_t size) {
  File& f = files_[name];
  f.durable.insert(f.durable.end(), f.pending.begin(), f.pending.end());
  f.pending.clear();
  if (size < f.durable.size()) f.durable.resize(size);
  return {};
}

void MemStore::crash(std::mt19937_64& rng, bool torn) {
  for (auto& [name, f] : files_) {
    if (torn && !f.pending.empty()) {
      size_t keep = rng() % f.pending.size();
      f.durable.insert(f.durable.end(), f.pending.begin(), f.pending.begin() + keep);
    }
    f.pending.clear();
  }
  crash_countdown_ = 0;
}

}  // namespace ghost::sim
