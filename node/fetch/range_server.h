// The leaf ranges this node serves (docs/protocol.md §6.1.1): every model folder it holds
// ([worker] model_dirs, and folders it fetched), opened read-only beside any writer, and
// matched by roots to a version the chain keeps of a registered model. Thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "consensus/ledger/ledger.h"
#include "node/fetch/range.h"

namespace ghost::fetch {

class RangeServer {
 public:
  // Adds the folder when its weights are the current or final version of a registered model;
  // otherwise the error says why it is not served. Reads the ledger: call on its thread.
  Result<std::pair<Hash32, uint64_t>> add(const std::filesystem::path& dir, const ledger::Ledger& ledger, unsigned threads);
  // The answer to a checked request: the leaves, or a refusal naming why not.
  pb::LeafRangeResponse answer(const RangeAsk& ask) const;
  size_t held() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<Hash32, uint64_t>, std::shared_ptr<const ml::WeightStore>> stores_;
};

}  // namespace ghost::fetch
