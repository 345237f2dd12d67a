// bft::DurableStore on a real directory: atomic replacement by temp file + fsync +
// rename + directory fsync, appends made durable by fsync. Used for the signer state and the
// consensus WAL.
#pragma once

#include <filesystem>
#include <map>

#include "consensus/bft/durable_store.h"

namespace ghost::chain {

class DurableDir : public bft::DurableStore {
 public:
  // Creates the directory if needed.
  static Result<std::unique_ptr<DurableDir>> open(std::filesystem::path dir);
  ~DurableDir() override;
  DurableDir(const DurableDir&) = delete;
  DurableDir& operator=(const DurableDir&) = delete;

  Result<std::optional<Bytes>> read(const std::string& name) override;
  Result<void> write_atomic(const std::string& name, ByteSpan data) override;
  Result<void> append(const std::string& name, ByteSpan data) override;
  Result<void> sync(const std::string& name) override;
  Result<void> truncate(const std::string& name, uint64_t size) override;

 private:
  explicit DurableDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Result<std::filesystem::path> path_of(const std::string& name) const;
  void close_append(const std::string& name);

  std::filesystem::path dir_;
  std::map<std::string, int> append_fds_;
};

}  // namespace ghost::chain
