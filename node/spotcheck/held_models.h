// The models a spot-checker holds: each configured folder cloned (hard links) into a private
// writable copy under the node's data folder, matched against the chain and moved with it like
// a worker's folder (node/worker/served_model.h): committed training steps are applied, proven
// frauds rolled back (a copy at a version one discarded is first returned from the blocks),
// and the versions an answer may still pin are kept as snapshots. So an answer is checked
// against its pinned version's weights, however far training has moved.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "consensus/ledger/ledger.h"
#include "node/worker/served_model.h"
#include "proto/block.pb.h"

namespace ghost::spotcheck {

class HeldModels {
 public:
  // Clones every folder (relative ones under `home`) into `data_dir/<i>` (replacing an older
  // copy), opens it with its committed search loaded (undoing steps a proven fraud discarded)
  // and catches it up with the chain's steps (`block_at`). Fails naming the first folder that does not open; a folder that is no version
  // the chain keeps (or cannot catch up) is logged and not held.
  static Result<HeldModels> open(const std::vector<std::string>& dirs, const std::filesystem::path& home,
                                 const std::filesystem::path& data_dir, const ledger::Ledger& ledger,
                                 const worker::BlockAt& block_at, unsigned threads);
  // The held copy of a model, or null.
  worker::ServedModel* find(const Hash32& model_id) const;
  size_t size() const { return models_.size(); }
  const std::map<Hash32, std::unique_ptr<worker::ServedModel>>& all() const { return models_; }

 private:
  std::map<Hash32, std::unique_ptr<worker::ServedModel>> models_;
};

}  // namespace ghost::spotcheck
