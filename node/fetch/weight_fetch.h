// One model version's weights and committed search being fetched into a new model folder: which leaf ranges are
// still missing, which are asked of a peer, and the checks before a leaf is kept (every leaf
// verified against the on-chain root of its tensor, node/fetch/range.h). The ranges done live
// in a journal in the folder (node/fetch/journal.h), so a fetch killed at any moment resumes.
// No sockets here: the caller sends the asks to peers and hands back their answers.
#pragma once

#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ml/ghost_file.h"
#include "node/fetch/journal.h"
#include "node/fetch/range.h"

namespace ghost::fetch {

// The folder's files: the journal while fetching, the model (as `ghost model build` makes it) after.
inline constexpr const char* kJournalDir = "fetch-journal";

class WeightFetch {
 public:
  // `file` is the model's ghost file as the chain holds it and `version` one version of it
  // (its roots replace the file's); `out` is a new folder or one this fetch left unfinished.
  static Result<std::unique_ptr<WeightFetch>> open(const std::filesystem::path& out, const pb::GhostFile& file,
                                                   const ml::ModelVersion& version);

  // A range nobody is asked for yet (marked in flight), or none.
  std::optional<RangeAsk> next();
  // The range goes back to the missing ones (its peer refused, went away or timed out).
  void release(const RangeAsk& ask);
  // A peer's answer to `ask` (not a refusal): on success the leaves that verified are kept
  // (durably) and their bytes returned; a violation is the peer's (the range is missing
  // again); the outer error is this node's (the journal could not be written).
  // answer = keep_verified, then settle, on one thread.
  Result<p2p::Checked<uint64_t>> answer(const RangeAsk& ask, const pb::LeafRangeResponse& resp);

  // The two halves of answer, so that ranges are checked and written on several threads while
  // one thread keeps the books: keep_verified checks the answer and journals its leaves (any
  // thread, several at once, while `ask` is in flight); settle (the books' thread) marks the
  // range done, or missing again after a failure.
  struct Kept {
    uint64_t count = 0;  // leaves from ask.first on (the server may cap a range)
    uint64_t bytes = 0;
  };
  Result<p2p::Checked<Kept>> keep_verified(const RangeAsk& ask, const pb::LeafRangeResponse& resp) const;
  Result<p2p::Checked<uint64_t>> settle(const RangeAsk& ask, Result<p2p::Checked<Kept>> kept);

  // Makes every kept range durable (finish does it too).
  Result<void> sync() { return journal_->sync(); }

  bool complete() const { return missing_.empty() && in_flight_.empty(); }
  uint64_t total_bytes() const { return total_bytes_; }
  uint64_t done_bytes() const { return done_bytes_; }

  // When complete: writes the model folder from the journal (weights and search tensors,
  // model.json with the graph fields, model.ghost), checks that it opens to exactly the
  // target's roots and the ghost file's search roots, removes the journal.
  Result<void> finish(unsigned threads = 0);

 private:
  WeightFetch() = default;
  size_t chunk(uint32_t tensor) const;
  ml::TensorCommitment commitment(uint32_t tensor) const;

  std::filesystem::path out_;
  pb::GhostFile file_;  // with the target version's roots
  ml::ModelVersion target_;
  std::vector<ml::TensorShape> shapes_;  // the store's tensors: weights, then search
  std::vector<Hash32> roots_;             // of shapes_: the version's, then the ghost file's
  std::unique_ptr<Journal> journal_;
  std::deque<RangeAsk> missing_;
  std::set<std::pair<uint32_t, uint64_t>> in_flight_;  // (tensor, first)
  uint64_t total_bytes_ = 0, done_bytes_ = 0;
};

}  // namespace ghost::fetch
