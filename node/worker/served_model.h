// One model folder served by the worker: opened as the folder's one writer, matched against
// the chain (its weights must be the current version of a registered model the worker is
// staked for), answering on any version a job may pin, and moved by accepted training steps.
//
// Inference jobs pin the model's FINAL version while training steps wait out their challenge
// window (docs/protocol.md §3.14), so after a step the worker holds both: the folder moves to
// the new current version, and a read-only snapshot of the folder taken just before keeps each
// older version until it is no longer final (docs/decisions.md, "The worker keeps..."). A
// proven fraud in a pending step returns the folder to the step's start, from that snapshot,
// or, when this process never kept it, from the discarded steps' blocks (discarded_steps.h).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>

#include "consensus/ledger/ledger.h"
#include "crypto/keys.h"
#include "ml/serve/model.h"
#include "node/worker/discarded_steps.h"
#include "node/worker/job_finder.h"
#include "proto/ghost.pb.h"

namespace ghost::worker {

class ServedModel {
 public:
  // Opens `dir` and finds the registered model, among those `worker` is staked for, whose
  // roots the folder holds: its current version, else an older one the chain still keeps
  // (version() then tells the caller to catch up with steps_since). A folder at a version a
  // proven fraud discarded is first returned to the version the discarded steps started from,
  // from their blocks (`block_at`). The error says why the folder is refused; a folder
  // refused is unchanged.
  static Result<std::unique_ptr<ServedModel>> open(const std::filesystem::path& dir, const ledger::Ledger& ledger,
                                                   const Address& worker, unsigned threads, const BlockAt& block_at);
  // The same among every registered model (a spot-checker's private copy of a folder).
  static Result<std::unique_ptr<ServedModel>> open_any(const std::filesystem::path& dir, const ledger::Ledger& ledger,
                                                       unsigned threads, const BlockAt& block_at);
  // Applies the accepted steps since the version held, read back from the committed blocks
  // (steps_since); the number applied. An error when one cannot be found or applied.
  Result<size_t> catch_up(const ledger::Ledger& ledger, const BlockAt& block_at);

  const Hash32& model_id() const { return id_; }
  const std::filesystem::path& dir() const { return dir_; }
  uint64_t version() const;  // the chain version the folder holds (the newest applied)

  // Any number at once (a shared lock against apply). `choose`, when given, makes the
  // selected sets instead of the HNSW search (test-only cheats, cheat.h).
  using ChooserOf = ml::Model::Selector (*)(const ml::Model&);
  Result<pb::GhostProof> prove_inference(uint64_t version, ByteSpan input, ChooserOf choose = nullptr) const;
  // Runs `use` on the weights of `version` (a check of an answer pinned to it) under the
  // shared lock; kNotFound when the version is not held.
  Result<void> with_version(uint64_t version, const std::function<Result<void>(const ml::Model&)>& use) const;
  // A training step from the newest version held (`choose` as for prove_inference).
  Result<pb::TrainProof> prove_training(ByteSpan input, std::span<const float> target, float lr,
                                        ChooserOf choose = nullptr) const;

  // Applies an accepted training step (its writes, from the verified proof) when it starts
  // from the version held, first keeping that version as a snapshot. A step already applied
  // is skipped; one from a version not held is an error (the folder missed a step).
  Result<void> apply(const CommittedStep& step);
  // Returns the folder to `version` after a proven fraud discarded the steps from it
  // (docs/protocol.md §4.7.10): the leaves those steps replaced are read back from the
  // version's kept snapshot and written in one batch. When this process never kept `version`
  // (it started on a version the fraud discarded), they come from `discarded`, the discarded
  // steps' results read from the blocks. Nothing to do when the folder is not ahead of it; an
  // error when neither has them (the folder is then unchanged).
  Result<void> roll_back(uint64_t version, const DiscardedResults& discarded);
  // Forgets kept versions older than `final_version` (no job can pin them any more).
  void keep_from(uint64_t final_version);

 private:
  ServedModel() = default;
  // The folder as the registered model among `ids` whose roots it holds; `of_what` names them.
  static Result<std::unique_ptr<ServedModel>> match(const std::filesystem::path& dir, const ledger::Ledger& ledger,
                                                    const std::vector<Hash32>& ids, unsigned threads,
                                                    const BlockAt& block_at, const std::string& of_what);
  const ml::Model* at(uint64_t version) const;  // under the lock; null when not held
  // Writes back the leaves of `path`'s steps (the folder is at their end): the folder is then
  // `path.kept`, and the versions kept from it on are dropped.
  Result<void> undo(const DiscardedSteps& path);
  // roll_back to a version kept in memory (under the lock).
  Result<void> roll_back_kept(uint64_t version);

  std::filesystem::path dir_;
  Hash32 id_;
  unsigned threads_ = 1;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<ml::Model> model_;  // the folder, writable, at version_
  uint64_t version_ = 0;
  std::map<uint64_t, std::unique_ptr<ml::Model>> kept_;  // older versions, read-only snapshots
  struct Leaf {
    uint32_t tensor;
    uint64_t index;
  };
  std::map<uint64_t, std::vector<Leaf>> written_;  // by the step from each kept version
};

}  // namespace ghost::worker
