#include "node/fetch/weight_fetch.h"

#include <algorithm>
#include <atomic>

#include "ml/serve/ghost_file_io.h"
#include "ml/serve/model.h"

namespace ghost::fetch {

namespace fs = std::filesystem;

namespace {

// The journal belongs to one target: its format, model id, version and every root.
Bytes target_key(const ml::ModelVersion& v) {
  std::string k = "leaves file v2";  // v1 kept the leaves in LevelDB: refused, not misread
  auto add = [&k](ByteSpan b) { k.append(reinterpret_cast<const char*>(b.data()), b.size()); };
  add(v.model_id.bytes);
  for (int i = 7; i >= 0; --i) k.push_back(char(v.version >> (8 * i)));
  for (const auto& r : v.roots) add(r.bytes);
  return Bytes(k.begin(), k.end());
}

}  // namespace

Result<std::unique_ptr<WeightFetch>> WeightFetch::open(const fs::path& out, const pb::GhostFile& file,
                                                       const ml::ModelVersion& version) {
  std::error_code ec;
  if (fs::exists(out / "model.json", ec)) return fail(Errc::kExists, out.string() + " already holds a model");
  fs::create_directories(out, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + out.string() + ": " + ec.message());
  std::unique_ptr<WeightFetch> f(new WeightFetch());
  f->out_ = out;
  f->target_ = version;
  f->file_ = file;
  size_t t = 0;
  for (auto& layer : *f->file_.mutable_layers())
    for (auto& tensor : *layer.mutable_tensors()) {
      if (t >= version.roots.size()) return fail("the version has fewer roots than the ghost file has tensors");
      tensor.set_root(reinterpret_cast<const char*>(version.roots[t].data()), Hash32::size());
      ++t;
    }
  if (t != version.roots.size()) return fail("the version has more roots than the ghost file has tensors");
  // The store's order: every layer's weights, then every layer's search tensors (codes L<l>.C
  // and graph L<l>.G, fixed by the ghost file for every version: fetched, never rebuilt).
  f->roots_ = version.roots;
  for (size_t l = 0; l < version.layers.size(); ++l)
    for (auto& s : ml::layer_tensors(version.layers[l], l)) f->shapes_.push_back(s);
  for (size_t l = 0; l < version.layers.size(); ++l) {
    const auto search = ml::search_tensors(version.layers[l], l);
    if (l >= size_t(file.layers_size()) || size_t(file.layers(int(l)).search_tensors_size()) != search.size())
      return fail("the ghost file's search tensors do not match its layers");
    for (size_t j = 0; j < search.size(); ++j) {
      const std::string& root = file.layers(int(l)).search_tensors(int(j)).root();
      if (root.size() != Hash32::size()) return fail("the ghost file's search tensor roots are malformed");
      f->roots_.push_back(Hash32::from_span(as_bytes(root)));
      f->shapes_.push_back(search[j]);
    }
  }
  std::vector<uint64_t> tensor_bytes;
  for (const auto& s : f->shapes_) tensor_bytes.push_back(s.leaf_count * s.leaf_bytes());
  auto journal = Journal::open(out / kJournalDir, target_key(version), std::move(tensor_bytes));
  if (!journal) return std::unexpected(journal.error());
  f->journal_ = std::move(*journal);
  // Missing = every leaf not in a verified range, cut into ranges of one response each.
  for (uint32_t tensor = 0; tensor < f->shapes_.size(); ++tensor) {
    const auto& s = f->shapes_[tensor];
    f->total_bytes_ += s.leaf_count * s.leaf_bytes();
    uint64_t at = 0;
    auto add_gap = [&](uint64_t end) {
      for (; at < end; at += std::min<uint64_t>(f->chunk(tensor), end - at))
        f->missing_.push_back(RangeAsk{version.model_id, version.version, tensor, at,
                                       uint32_t(std::min<uint64_t>(f->chunk(tensor), end - at))});
    };
    for (const auto& [first, count] : f->journal_->done(tensor)) {
      if (first + count > s.leaf_count) return fail(Errc::kIo, "fetch journal: a range past the tensor's end");
      add_gap(std::max(first, at));
      at = std::max(at, first + count);
      f->done_bytes_ += count * s.leaf_bytes();
    }
    add_gap(s.leaf_count);
  }
  return f;
}

size_t WeightFetch::chunk(uint32_t tensor) const {
  return std::clamp<size_t>(kMaxRangeBytes / shapes_[tensor].leaf_bytes(), 1, kMaxRangeLeaves);
}

ml::TensorCommitment WeightFetch::commitment(uint32_t tensor) const {
  return {shapes_[tensor].leaf_count, shapes_[tensor].leaf_bytes(), roots_[tensor]};
}

std::optional<RangeAsk> WeightFetch::next() {
  if (missing_.empty()) return std::nullopt;
  RangeAsk ask = missing_.front();
  missing_.pop_front();
  in_flight_.insert({ask.tensor, ask.first});
  return ask;
}

void WeightFetch::release(const RangeAsk& ask) {
  if (in_flight_.erase({ask.tensor, ask.first})) missing_.push_front(ask);
}

Result<p2p::Checked<uint64_t>> WeightFetch::answer(const RangeAsk& ask, const pb::LeafRangeResponse& resp) {
  if (!in_flight_.contains({ask.tensor, ask.first}))
    return p2p::Checked<uint64_t>(p2p::violation(p2p::Offence::kProtocol, "leaf range nobody asked for"));
  return settle(ask, keep_verified(ask, resp));
}

Result<p2p::Checked<WeightFetch::Kept>> WeightFetch::keep_verified(const RangeAsk& ask,
                                                                    const pb::LeafRangeResponse& resp) const {
  auto range = check_response(resp, ask, commitment(ask.tensor));
  if (!range) return p2p::Checked<Kept>(std::unexpected(range.error()));
  if (auto kept = journal_->keep(ask.tensor, range->first, range->count, range->leaves); !kept)
    return std::unexpected(kept.error());
  return p2p::Checked<Kept>(Kept{range->count, range->leaves.size()});
}

Result<p2p::Checked<uint64_t>> WeightFetch::settle(const RangeAsk& ask, Result<p2p::Checked<Kept>> kept) {
  if (!kept || !*kept) {
    release(ask);
    if (!kept) return std::unexpected(kept.error());
    return p2p::Checked<uint64_t>(std::unexpected(kept->error()));
  }
  const Kept k = **kept;
  in_flight_.erase({ask.tensor, ask.first});
  if (k.count < ask.count)  // the server capped it: the rest is still missing
    missing_.push_front(RangeAsk{ask.model_id, ask.version, ask.tensor, ask.first + k.count, uint32_t(ask.count - k.count)});
  done_bytes_ += k.bytes;
  return p2p::Checked<uint64_t>(k.bytes);
}

Result<void> WeightFetch::finish(unsigned threads) {
  if (!complete()) return fail("the fetch is not complete");
  if (auto synced = journal_->sync(); !synced) return synced;  // a failed build leaves a whole journal
  // A fill error cannot stop WeightStore::create; remember it and refuse the result.
  std::atomic<bool> failed{false};
  const Journal& journal = *journal_;
  auto fill = [&](uint32_t tensor, uint64_t index, std::span<float> out) {
    if (!journal.read(tensor, index * out.size_bytes(),
                      std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes())))
      failed = true;
  };
  if (auto c = ml::Model::assemble(out_, file_.name(), target_.layers, fill, threads); !c) return c;
  auto undo = [&](Error e) -> Result<void> {
    std::error_code ec;
    fs::remove_all(out_ / "weights", ec);
    fs::remove(out_ / "model.json", ec);
    return std::unexpected(std::move(e));
  };
  if (failed) return undo(Error{Errc::kIo, "fetch journal: a leaf could not be read back"});
  ml::ModelOptions opt;
  opt.threads = threads;
  auto model = ml::Model::open(out_, opt);  // loads the search: its codes must match W_K
  if (!model) return undo(model.error());
  const std::vector<Hash32> search(roots_.begin() + ptrdiff_t(target_.roots.size()), roots_.end());
  if ((*model)->weight_roots() != target_.roots || (*model)->search_roots() != search)
    return undo(Error{Errc::kMismatch, "the fetched folder's roots are not the chain's: the journal is damaged (a power "
                                       "cut can leave ranges marked done whose leaves never reached the disk); remove " +
                                           (out_ / kJournalDir).string() + " and fetch again"});
  if (auto s = ml::save_ghost_file(out_ / "model.ghost", file_); !s) return s;
  journal_.reset();
  std::error_code ec;
  fs::remove_all(out_ / kJournalDir, ec);
  return {};
}

}  // namespace ghost::fetch
