// The model folders a spot-checker holds, opened read-only (no lock: the folder may be a
// worker's, or checked by `ghost model infer` meanwhile). A read-only open is a snapshot of
// one version; an answer is checked with the folder whose weights are its pinned version.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/serve/model.h"

namespace ghost::spotcheck {

class HeldModels {
 public:
  // Opens every folder (relative ones under `home`) with its committed search loaded: a
  // checker replays the canonical search (find_search_fraud). Fails naming the first folder that does not open.
  static Result<HeldModels> open(const std::vector<std::string>& dirs, const std::filesystem::path& home,
                                 unsigned threads);
  // The folder holding exactly `version`'s weights and architecture, or null.
  const ml::Model* find(const ml::ModelVersion& version) const;
  size_t size() const { return models_.size(); }

 private:
  std::vector<std::unique_ptr<ml::Model>> models_;
};

}  // namespace ghost::spotcheck
