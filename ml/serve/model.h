// A model on disk: a directory holding its layers' parameters (model.json) and its tensors
// (weights/, a WeightStore): every layer's weights, then every Hopfield layer's committed
// search (codes L<l>.C and graph L<l>.G, built by create()). While open, the value tensors
// (W_V, E: d_out floats per leaf) and, for searching, W_K, the codes and the graph are held
// in memory.
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
#include "ml/serve/search_index.h"
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
  graph,  // the canonical search over the committed graph (workers; docs/protocol.md §3.22)
};

struct ModelOptions {
  bool use_index = true;   // load each Hopfield layer's committed search into memory
  unsigned threads = 0;    // threads for opening and exact search, 0 = all cores
  // read: takes no lock, so any number of processes (a worker, a spot-checker, the CLI) open
  // the folder beside the one that applies training; apply() is then refused.
  StoreAccess access = StoreAccess::write;
};

class Model {
 public:
  // Writes a new model directory; fill(tensor, index, out) gives every weight leaf, tensors
  // in layer_tensors() order across layers. Builds each Hopfield layer's codes and graph
  // (graph_build.h) with the layer's graph.ef and graph.m (0: kDefaultEf, at least k, and
  // kDefaultGraphM), on one thread, so the same weights always give the same model.
  static Result<void> create(const std::filesystem::path& dir, const std::string& name,
                             std::vector<LayerSpec> layers, const LeafFiller& fill, unsigned threads = 0,
                             bool progress = false);
  // Writes a new model directory whose search is already built (a weight fetch): fill gives
  // every leaf of all_tensors(layers), the weights then the codes and graphs, and each
  // Hopfield layer's graph spec is the one they were built with.
  static Result<void> assemble(const std::filesystem::path& dir, const std::string& name,
                               const std::vector<LayerSpec>& layers, const LeafFiller& fill, unsigned threads = 0);
  static Result<std::unique_ptr<Model>> open(const std::filesystem::path& dir, const ModelOptions& options = {});
  // A new model folder `to` with the weights, index and ghost file of `from` (as of a reader's
  // snapshot, so a process may be training `from` meanwhile): every file is hard-linked or, for
  // the store's logs, copied, so each worker of a local testnet, or a spot-checker's private
  // copy, gets its own writable folder without a second copy of the weights.
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
  // The roots of the weight tensors (layer_tensors() across layers: what training moves and
  // a ModelVersion's roots are), and of the search tensors (fixed).
  std::vector<Hash32> weight_roots() const;
  std::vector<Hash32> search_roots() const;
  // Store id of a Hopfield layer's codes L<l>.C; its graph L<l>.G follows.
  uint32_t search_tensor(size_t layer) const { return search_tensor_.at(layer); }

  // Forward pass through every layer; thread-safe with other infer calls.
  Result<Inference> infer(ByteSpan input, Search search = Search::graph) const;
  // The same pass with each Hopfield layer's selected set chosen by `select` (the worker's
  // test-only cheats: a proof stays valid whatever the set, only its recall suffers).
  using Selector = std::function<Result<std::vector<Scored>>(size_t layer, std::span<const float> x_hat)>;
  Result<Inference> infer(ByteSpan input, const Selector& select) const;
  // Exact top-k of the Hopfield layer `layer` for a normalized query (validators, fraud proofs).
  std::vector<Scored> exact_top_k(size_t layer, std::span<const float> x_hat) const;
  // W_K of a Hopfield layer in memory, read from the store on first use.
  const ColumnMatrix& keys(size_t layer) const;
  // The committed search of a Hopfield layer, or null when not loaded (use_index false).
  const SearchIndex* index(size_t layer) const;

  // A training step of the last layer with target t (d_out floats) and learning rate lr.
  Result<TrainStep> train_step(ByteSpan input, std::span<const float> target, float lr,
                               Search search = Search::graph) const;
  // The same step from a forward pass already computed on `input` (whatever its selected sets).
  Result<TrainStep> train_from(ByteSpan input, Inference forward, std::span<const float> target, float lr) const;
  // Applies new leaves (a computed step's writes, or a committed training result's): the
  // store in one atomic batch, then the weights in memory. The codes and the graph do not
  // change (docs/protocol.md §3.22). Not thread-safe with infer.
  Result<void> apply(std::span<const LeafWrite> writes);

 private:
  Model() = default;
  Result<std::vector<Scored>> select(size_t layer, std::span<const float> x_hat, Search search) const;
  // W_K leaves are served from memory when the layer is searched (the store checked them at
  // open), else read from the store.
  Result<Leaves> read_leaves(size_t layer, std::vector<uint64_t> indices) const;

  std::filesystem::path dir_;
  std::string name_;
  std::vector<LayerSpec> layers_;
  std::vector<uint32_t> first_tensor_;
  std::vector<uint32_t> search_tensor_;  // hopfield layers; 0 for an embedding
  ModelOptions options_;
  std::unique_ptr<WeightStore> store_;
  std::vector<std::unique_ptr<SearchIndex>> indexes_;
  mutable std::vector<std::unique_ptr<ColumnMatrix>> keys_;
  std::vector<std::vector<float>> values_;  // per layer, W_V or E held in memory (n x d_out)
  mutable std::mutex keys_mutex_;
};

}  // namespace ghost::ml
