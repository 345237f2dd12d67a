// A model on disk: a directory holding its layers' parameters (model.json), its weights
// (weights/, a WeightStore) and one HNSW index per Hopfield layer (index-L<l>.hnsw + .meta).
// While open, the value tensors (W_V, E: d_out floats per leaf) are also held in memory.
// Independent of any ghost file: the ghost file is derived from layers() and the roots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "ml/embedding.h"
#include "ml/hopfield.h"
#include "ml/layers.h"
#include "ml/matrix.h"
#include "ml/serve/hnsw_index.h"
#include "ml/serve/weight_store.h"

namespace ghost::ml {

// One layer's part of a pass: the selected set with its revealed leaves (for an embedding:
// the one row in leaves.values, keys empty) and what the layer computed.
struct LayerTrace {
  Leaves leaves;
  HopfieldPass pass;  // embedding: selected = {index}, scores/probs empty, output = the row
};

struct Inference {
  std::vector<LayerTrace> layers;
  const std::vector<float>& output() const { return layers.back().pass.output; }
};

// A computed (not yet applied) sparse training step of the model's last layer.
struct TrainStep {
  Inference forward;              // the pass before the update
  Leaves updated;                 // the last layer's selected leaves after the update
  std::vector<LeafWrite> writes;  // the same, as store writes
};

enum class Search : uint8_t {
  exact,  // brute force over every column (validators, reference)
  hnsw,   // the index proposes candidates, re-scored canonically (workers)
};

struct ModelOptions {
  HnswParams hnsw;         // ef, build threads, progress bar
  bool use_index = true;   // load (or build and save) the HNSW index of each Hopfield layer
  size_t rescore = 0;      // HNSW candidates re-scored per query; 0 = 2k (at least k)
  unsigned threads = 0;    // threads for opening and exact search, 0 = all cores
  // read: takes no lock, so any number of processes (a worker, a spot-checker, the CLI) open
  // the folder beside the one that applies training; apply() is then refused.
  StoreAccess access = StoreAccess::write;
};

class Model {
 public:
  // Writes a new model directory; fill(tensor, index, out) gives every leaf, tensors in
  // layer_tensors() order across layers.
  static Result<void> create(const std::filesystem::path& dir, const std::string& name,
                             std::vector<LayerSpec> layers, const LeafFiller& fill, unsigned threads = 0);
  static Result<std::unique_ptr<Model>> open(const std::filesystem::path& dir, const ModelOptions& options = {});
  // A new model folder `to` with the weights, index and ghost file of `from`, which no process
  // may be writing: every file is hard-linked or, for the store's logs, copied, so each worker
  // of a local testnet gets its own writable folder without a second copy of the weights.
  static Result<void> clone(const std::filesystem::path& from, const std::filesystem::path& to);
  ~Model();

  const std::string& name() const { return name_; }
  const std::vector<LayerSpec>& layers() const { return layers_; }
  const WeightStore& store() const { return *store_; }
  // Store id of the first tensor of `layer`; its others follow in layer_tensors() order.
  uint32_t first_tensor(size_t layer) const { return first_tensor_.at(layer); }
  // Store id of the layer's value tensor (W_V, or E for an embedding).
  uint32_t value_tensor(size_t layer) const {
    return first_tensor(layer) + (layers_.at(layer).type == LayerType::hopfield ? 1 : 0);
  }
  std::filesystem::path index_path(size_t layer) const;

  // Forward pass through every layer; thread-safe with other infer calls.
  Result<Inference> infer(ByteSpan input, Search search = Search::hnsw) const;
  // The same pass with each Hopfield layer's selected set chosen by `select` (the worker's
  // test-only cheats: a proof stays valid whatever the set, only its recall suffers).
  using Selector = std::function<Result<std::vector<Scored>>(size_t layer, std::span<const float> x_hat)>;
  Result<Inference> infer(ByteSpan input, const Selector& select) const;
  // Exact top-k of the Hopfield layer `layer` for a normalized query (validators, fraud proofs).
  std::vector<Scored> exact_top_k(size_t layer, std::span<const float> x_hat) const;
  // W_K of a Hopfield layer in memory, read from the store on first use.
  const ColumnMatrix& keys(size_t layer) const;
  // The index of a Hopfield layer, or null when not loaded (use_index false).
  const HnswIndex* index(size_t layer) const;
  void set_ef(size_t ef);

  // A training step of the last layer with target t (d_out floats) and learning rate lr.
  Result<TrainStep> train_step(ByteSpan input, std::span<const float> target, float lr,
                               Search search = Search::hnsw) const;
  // The same step from a forward pass already computed on `input` (whatever its selected sets).
  Result<TrainStep> train_from(ByteSpan input, Inference forward, std::span<const float> target, float lr) const;
  // Applies new leaves (a computed step's writes, or a committed training result's): the
  // store in one atomic batch, then the in-memory keys and the index (touched columns are
  // re-inserted), then the index file of each layer whose W_K changed is saved for the new
  // root (durably: temp file, fsync, rename), so reopening loads it instead of rebuilding.
  // That save writes the whole index: apply a batch of steps' writes in one call. An error
  // after the store's batch leaves the weights updated (the stale index file is rebuilt at the
  // next open). Not thread-safe with infer.
  Result<void> apply(std::span<const LeafWrite> writes);
  // Saves the index of every Hopfield layer for the current roots.
  Result<void> save_indexes() const;

 private:
  Model() = default;
  Result<std::vector<Scored>> select(size_t layer, std::span<const float> x_hat, Search search) const;
  // W_K leaves are served from the index's copy of the columns (no disk read); a loaded
  // index is used only if every column it holds hashes to the committed leaf.
  Result<Leaves> read_leaves(size_t layer, std::vector<uint64_t> indices) const;
  bool index_holds_committed_columns(size_t layer, const HnswIndex& index) const;
  Result<void> save_index(size_t layer) const;  // for the layer's current W_K root

  std::filesystem::path dir_;
  std::string name_;
  std::vector<LayerSpec> layers_;
  std::vector<uint32_t> first_tensor_;
  ModelOptions options_;
  std::unique_ptr<WeightStore> store_;
  std::vector<std::unique_ptr<HnswIndex>> indexes_;
  mutable std::vector<std::unique_ptr<ColumnMatrix>> keys_;
  std::vector<std::vector<float>> values_;  // per layer, W_V or E held in memory (n x d_out)
  mutable std::mutex keys_mutex_;
};

}  // namespace ghost::ml
