#include "node/worker/served_model.h"

#include <mutex>
#include <set>

#include "ml/serve/prove.h"
#include "ml/verify/train_proof.h"

namespace ghost::worker {

namespace {

ml::ModelOptions options(unsigned threads, ml::StoreAccess access) {
  ml::ModelOptions o;
  o.threads = threads;
  o.access = access;
  return o;
}

std::string short_id(const Hash32& id) { return id.hex().substr(0, 16); }

}  // namespace

Result<std::unique_ptr<ServedModel>> ServedModel::open(const std::filesystem::path& dir, const ledger::Ledger& ledger,
                                                       const Address& worker, unsigned threads,
                                                       const BlockAt& block_at) {
  auto stake = ledger.stake(pb::WORKER, worker);
  if (!stake) return fail(Errc::kNotFound, "this worker key has no worker stake on the chain (stake first)");
  std::vector<Hash32> ids;
  for (const auto& id : stake->models()) ids.push_back(Hash32::from_span(as_bytes(id)));
  return match(dir, ledger, ids, threads, block_at, "a model this worker is tried for");
}

Result<std::unique_ptr<ServedModel>> ServedModel::open_any(const std::filesystem::path& dir,
                                                           const ledger::Ledger& ledger, unsigned threads,
                                                           const BlockAt& block_at) {
  std::vector<Hash32> ids;
  for (const auto& m : ledger.models()) ids.push_back(Hash32::from_span(as_bytes(m.model_id())));
  return match(dir, ledger, ids, threads, block_at, "a registered model");
}

Result<std::unique_ptr<ServedModel>> ServedModel::match(const std::filesystem::path& dir, const ledger::Ledger& ledger,
                                                        const std::vector<Hash32>& ids, unsigned threads,
                                                        const BlockAt& block_at, const std::string& of_what) {
  auto model = ml::Model::open(dir, options(threads, ml::StoreAccess::write));
  if (!model) return fail(model.error(), "cannot open the model folder: ");
  // Versions hold the weights' roots; the committed search (codes, graph) is the ghost file's.
  const std::vector<Hash32> roots = (*model)->weight_roots();
  auto served = [&](const Hash32& id, uint64_t version) {
    std::unique_ptr<ServedModel> s(new ServedModel());
    s->dir_ = dir;
    s->id_ = id;
    s->threads_ = threads;
    s->model_ = std::move(*model);
    s->version_ = version;
    return s;
  };
  std::string tried;
  std::vector<Hash32> same_search;  // the models whose discarded versions the folder may hold
  for (const Hash32& id : ids) {
    auto info = ledger.model(id);
    if (!info) continue;
    tried += (tried.empty() ? "" : ", ") + short_id(id) + " v" + std::to_string(info->version());
    // The folder's committed search (codes, graph) must be the registered one.
    auto registered = ml::model_version(info->ghost_file());
    if (!registered || registered->search_roots != (*model)->search_roots()) continue;
    same_search.push_back(id);
    // Newest first: versions below the final one are rarely kept, so the search is short.
    for (uint64_t v = info->version() + 1; v-- > 0;) {
      auto version = chain_version(ledger, id, v);
      if (!version) {
        if (v < info->final_version()) break;
        continue;
      }
      if (version->roots == roots) return served(id, v);
    }
  }
  // A version a proven fraud discarded while no process held the folder (or before the one
  // that held it kept the version the discarded steps started from): undone from the blocks.
  std::string undone;
  for (const Hash32& id : same_search) {
    auto path = steps_to(discarded_results(ledger, id, block_at), roots);
    if (!path) {
      if (path.error().code == Errc::kNotFound) undone = ", and " + path.error().message + " to undo what led to it";
      continue;
    }
    auto s = served(id, path->kept.version + path->steps.size());
    if (auto ok = s->undo(*path); !ok) return fail(Errc::kMismatch, ok.error().message);
    return s;
  }
  return fail(Errc::kMismatch, "its weights are no version the chain keeps of " + of_what + " (" +
                                   (tried.empty() ? std::string("none") : tried) + ")" + undone +
                                   ": build or copy the registered model's folder");
}

Result<size_t> ServedModel::catch_up(const ledger::Ledger& ledger, const BlockAt& block_at) {
  const uint64_t from = version();
  auto steps = steps_since(ledger, id_, from, block_at);
  if (!steps)
    return fail(Errc::kNotFound, "the folder holds version " + std::to_string(from) +
                                     " and the training steps since are not all in this node's blocks");
  for (const auto& step : *steps)
    if (auto ok = apply(step); !ok) return std::unexpected(ok.error());
  return steps->size();
}

uint64_t ServedModel::version() const {
  std::shared_lock lock(mutex_);
  return version_;
}

const ml::Model* ServedModel::at(uint64_t version) const {
  if (version == version_) return model_.get();
  auto it = kept_.find(version);
  return it == kept_.end() ? nullptr : it->second.get();
}

Result<pb::GhostProof> ServedModel::prove_inference(uint64_t version, ByteSpan input, ChooserOf choose) const {
  std::shared_lock lock(mutex_);
  const ml::Model* m = at(version);
  if (!m)
    return fail(Errc::kNotFound, "version " + std::to_string(version) + " is not held (the folder is at version " +
                                     std::to_string(version_) + ")");
  auto inf = choose ? m->infer(input, choose(*m)) : m->infer(input, ml::Search::graph);
  if (!inf) return std::unexpected(inf.error());
  return ml::make_ghost_proof(*m, id_, version, input, *inf, ml::LeafWire::shortest());
}

Result<void> ServedModel::with_version(uint64_t version,
                                       const std::function<Result<void>(const ml::Model&)>& use) const {
  std::shared_lock lock(mutex_);
  const ml::Model* m = at(version);
  if (!m) return fail(Errc::kNotFound, "version " + std::to_string(version) + " is not held");
  return use(*m);
}

Result<pb::TrainProof> ServedModel::prove_training(ByteSpan input, std::span<const float> target, float lr,
                                                   ChooserOf choose) const {
  std::shared_lock lock(mutex_);
  auto forward = choose ? model_->infer(input, choose(*model_)) : model_->infer(input, ml::Search::graph);
  if (!forward) return std::unexpected(forward.error());
  auto step = model_->train_from(input, std::move(*forward), target, lr);
  if (!step) return std::unexpected(step.error());
  return ml::make_train_proof(*model_, id_, version_, input, target, lr, *step, ml::LeafWire::shortest());
}

Result<void> ServedModel::apply(const CommittedStep& step) {
  const uint64_t from = step.from.version;
  {
    std::shared_lock lock(mutex_);
    if (from < version_) return {};  // applied before a restart
    if (from > version_)
      return fail(Errc::kMismatch, "the chain's step from version " + std::to_string(from) + " follows version " +
                                       std::to_string(version_) + " that this folder never got");
    if (model_->weight_roots() != step.from.roots)
      return fail(Errc::kMismatch, "the folder's weights are not version " + std::to_string(from));
  }
  auto verified = ml::verify_train_proof(step.proof, step.from);
  if (!verified) return fail(verified.error(), "accepted training step does not verify here: ");
  // The folder only changes under apply, which runs one at a time: the snapshot is `from`.
  auto kept = ml::Model::open(dir_, options(threads_, ml::StoreAccess::read));
  if (!kept) return fail(kept.error(), "cannot keep version " + std::to_string(from) + ": ");
  std::unique_lock lock(mutex_);
  if (auto ok = model_->apply(verified->writes); !ok) return ok;
  if (model_->weight_roots() != verified->roots)
    return fail(Errc::kMismatch, "the weights after the step do not have the step's roots");
  kept_[from] = std::move(*kept);
  auto& written = written_[from];
  written.clear();
  for (const auto& w : verified->writes) written.push_back({w.tensor, w.index});
  version_ = from + 1;
  return {};
}

Result<void> ServedModel::roll_back(uint64_t to, const DiscardedResults& discarded) {
  std::vector<Hash32> roots;
  {
    std::unique_lock lock(mutex_);
    if (to >= version_) return {};
    if (kept_.contains(to)) return roll_back_kept(to);
    roots = model_->weight_roots();
  }
  // Never kept here: this process started on a version the fraud has now discarded.
  auto path = steps_to(discarded, roots);
  if (!path)
    return fail(Errc::kNotFound, "version " + std::to_string(to) + " is not kept here (the folder is at version " +
                                     std::to_string(version()) + ") and " + path.error().message +
                                     ": replace the folder");
  return undo(*path);
}

Result<void> ServedModel::roll_back_kept(uint64_t to) {
  const auto kept = kept_.find(to);
  const ml::Model& start = *kept->second;
  std::set<std::pair<uint32_t, uint64_t>> leaves;  // every leaf the discarded steps wrote, once
  for (auto it = written_.lower_bound(to); it != written_.end() && it->first < version_; ++it)
    for (const auto& l : it->second) leaves.insert({l.tensor, l.index});
  std::vector<ml::LeafWrite> writes;
  for (const auto& at : leaves) {
    auto values = start.store().leaf(at.first, at.second);
    if (!values) return fail(values.error(), "cannot read version " + std::to_string(to) + "'s leaves: ");
    writes.push_back({at.first, at.second, std::move(*values)});
  }
  if (auto ok = model_->apply(writes); !ok) return ok;
  if (model_->weight_roots() != start.weight_roots())
    return fail(Errc::kMismatch, "the folder does not have version " + std::to_string(to) +
                                     "'s roots after writing its leaves back: replace the folder");
  // The snapshots of the discarded versions, and the one of `to` (the folder is it again).
  kept_.erase(kept, kept_.end());
  written_.erase(written_.lower_bound(to), written_.end());
  version_ = to;
  return {};
}

Result<void> ServedModel::undo(const DiscardedSteps& path) {
  const uint64_t to = path.kept.version;
  const std::vector<ml::LeafWrite> writes = undo_writes(path);
  std::unique_lock lock(mutex_);
  if (auto ok = model_->apply(writes); !ok) return ok;
  if (model_->weight_roots() != path.kept.roots)
    return fail(Errc::kMismatch, "the folder does not have version " + std::to_string(to) +
                                     "'s roots after undoing the discarded steps: replace the folder");
  kept_.erase(kept_.lower_bound(to), kept_.end());
  written_.erase(written_.lower_bound(to), written_.end());
  version_ = to;
  return {};
}

void ServedModel::keep_from(uint64_t final_version) {
  std::unique_lock lock(mutex_);
  std::erase_if(kept_, [&](const auto& kv) { return kv.first < final_version; });
  std::erase_if(written_, [&](const auto& kv) { return kv.first < final_version; });
}

}  // namespace ghost::worker
