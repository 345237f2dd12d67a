// Durable storage as the consensus layer needs it: the signer's last-signed state and the
// write-ahead log. consensus/ does no I/O itself; the node passes a file-backed store
// (node/chain/durable_dir.h), the simulator an in-memory one that loses unsynced bytes on a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace ghost::bft {

class DurableStore {
 public:
  virtual ~DurableStore() = default;
  // The whole content of `name`, or nullopt when it does not exist.
  virtual Result<std::optional<Bytes>> read(const std::string& name) = 0;
  // Replaces `name` all at once: after a crash it holds either the old or the new bytes,
  // and the new bytes are durable when this returns.
  virtual Result<void> write_atomic(const std::string& name, ByteSpan data) = 0;
  // Appends to `name` (creating it); not durable until sync().
  virtual Result<void> append(const std::string& name, ByteSpan data) = 0;
  // Makes every earlier append to `name` durable.
  virtual Result<void> sync(const std::string& name) = 0;
  // Cuts `name` to `size` bytes, durably (used to drop a torn WAL tail).
  virtual Result<void> truncate(const std::string& name, uint64_t size) = 0;
};

}  // namespace ghost::bft
