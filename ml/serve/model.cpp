#include "ml/serve/model.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstring>

#include "base/file.h"
#include "base/parallel.h"
#include "ml/canonical.h"
#include "ml/serve/graph_build.h"
#include "ml/serve/store_snapshot.h"

namespace ghost::ml {

namespace json = boost::json;

namespace {

constexpr int kModelFormat = 2;  // 2: the committed search graph
const char* kManifest = "model.json";

const char* encoding_name(InputEncoding e) { return e == InputEncoding::u8 ? "u8" : "f32"; }

json::object layer_to_json(const LayerSpec& l) {
  json::object o;
  o["type"] = l.type == LayerType::hopfield ? "hopfield" : "embedding";
  o["d"] = l.d;
  o["d_out"] = l.d_out;
  o["n"] = l.n;
  o["k"] = l.k;
  o["beta"] = double(l.beta);  // float -> double -> JSON round-trips exactly
  o["encoding"] = encoding_name(l.encoding);
  if (l.type == LayerType::hopfield) {
    o["ef"] = l.graph.ef;
    o["graph_m"] = l.graph.m;
    o["graph_levels"] = l.graph.levels;
    o["entry_point"] = l.graph.entry_point;
  }
  return o;
}

Result<LayerSpec> layer_from_json(const json::value& v) {
  try {
    const auto& o = v.as_object();
    LayerSpec l;
    const auto type = o.at("type").as_string();
    if (type == "hopfield") l.type = LayerType::hopfield;
    else if (type == "embedding") l.type = LayerType::embedding;
    else return fail("unknown layer type");
    l.d = json::value_to<uint32_t>(o.at("d"));
    l.d_out = json::value_to<uint32_t>(o.at("d_out"));
    l.n = json::value_to<uint64_t>(o.at("n"));
    l.k = json::value_to<uint32_t>(o.at("k"));
    l.beta = float(o.at("beta").to_number<double>());
    const auto enc = o.at("encoding").as_string();
    if (enc == "u8") l.encoding = InputEncoding::u8;
    else if (enc == "f32") l.encoding = InputEncoding::f32;
    else return fail("unknown input encoding");
    if (l.type == LayerType::hopfield) {
      l.graph.ef = json::value_to<uint32_t>(o.at("ef"));
      l.graph.m = json::value_to<uint32_t>(o.at("graph_m"));
      l.graph.levels = json::value_to<uint32_t>(o.at("graph_levels"));
      l.graph.entry_point = json::value_to<uint64_t>(o.at("entry_point"));
    }
    return l;
  } catch (const std::exception& e) {
    return fail(std::string("malformed layer in model.json: ") + e.what());
  }
}

// Every layer's weights, then every layer's search tensors: the store's (and a ghost file's) order.
std::vector<TensorShape> all_tensors(const std::vector<LayerSpec>& layers) {
  std::vector<TensorShape> shapes;
  for (size_t l = 0; l < layers.size(); ++l)
    for (auto& s : layer_tensors(layers[l], l)) shapes.push_back(s);
  for (size_t l = 0; l < layers.size(); ++l)
    for (auto& s : search_tensors(layers[l], l)) shapes.push_back(s);
  return shapes;
}

// A Hopfield layer's committed search, built from its columns.
struct BuiltSearch {
  ColumnMatrix keys;
  std::vector<uint8_t> codes;
  SearchGraph graph;
};

}  // namespace

Model::~Model() = default;

Result<void> Model::create(const std::filesystem::path& dir, const std::string& name, std::vector<LayerSpec> layers,
                           const LeafFiller& fill, unsigned threads, bool progress) {
  if (auto v = validate_layers(layers); !v) return v;
  std::error_code ec;
  if (std::filesystem::exists(dir / kManifest, ec)) return fail(Errc::kExists, dir.string() + " already holds a model");
  // Each Hopfield layer's codes and graph, from its columns.
  std::vector<BuiltSearch> built(layers.size());
  std::vector<uint32_t> first_weight(layers.size());
  uint32_t weight_count = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    first_weight[l] = weight_count;
    weight_count += uint32_t(layer_tensors(layers[l], l).size());
    LayerSpec& s = layers[l];
    if (s.type != LayerType::hopfield) continue;
    BuiltSearch& b = built[l];
    b.keys = ColumnMatrix(s.d, s.n);
    parallel_for_each(s.n, threads, [&](uint64_t i) { fill(first_weight[l], i, b.keys.column(i)); });
    b.codes = encode_columns(b.keys);
    const uint32_t ef = s.graph.ef ? s.graph.ef : std::max(kDefaultEf, s.hopfield().selected_count());
    b.graph = build_search_graph(b.codes, s.d, s.n, ef, s.graph.m ? s.graph.m : kDefaultGraphM,
                                 kGraphEfConstruction, progress);
    s.graph = b.graph.spec;
    if (auto v = validate_graph(s); !v) return fail(v.error(), "layer " + std::to_string(l) + ": ");
  }
  // The store's tensors after the weights: (layer, 0 codes / 1 graph) of each search tensor.
  std::vector<std::pair<size_t, int>> search_of;
  for (size_t l = 0; l < layers.size(); ++l)
    for (int j = 0; j < int(search_tensors(layers[l], l).size()); ++j) search_of.push_back({l, j});
  auto fill_all = [&](uint32_t tensor, uint64_t index, std::span<float> out) {
    if (tensor >= weight_count) {
      const auto [l, j] = search_of[tensor - weight_count];
      const BuiltSearch& b = built[l];
      const size_t bytes = out.size() * sizeof(float);
      std::memcpy(out.data(), j == 0 ? b.codes.data() + index * bytes
                                     : reinterpret_cast<const uint8_t*>(b.graph.rows.data()) + index * bytes, bytes);
    } else if (auto l = std::find(first_weight.begin(), first_weight.end(), tensor) - first_weight.begin();
               size_t(l) < layers.size() && layers[l].type == LayerType::hopfield) {
      auto c = built[l].keys.column(index);  // W_K, already filled
      std::copy(c.begin(), c.end(), out.begin());
    } else {
      fill(tensor, index, out);
    }
  };
  return assemble(dir, name, layers, fill_all, threads);
}

Result<void> Model::assemble(const std::filesystem::path& dir, const std::string& name,
                             const std::vector<LayerSpec>& layers, const LeafFiller& fill, unsigned threads) {
  if (auto v = validate_layers(layers); !v) return v;
  for (size_t l = 0; l < layers.size(); ++l)
    if (layers[l].type == LayerType::hopfield)
      if (auto v = validate_graph(layers[l]); !v) return fail(v.error(), "layer " + std::to_string(l) + ": ");
  std::error_code ec;
  if (std::filesystem::exists(dir / kManifest, ec)) return fail(Errc::kExists, dir.string() + " already holds a model");
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  auto store = WeightStore::create(dir / "weights", all_tensors(layers), fill, threads);
  if (!store) return std::unexpected(store.error());
  // The manifest last: a directory without it is not a model.
  json::object m;
  m["format"] = kModelFormat;
  m["name"] = name;
  json::array arr;
  for (auto& l : layers) arr.push_back(layer_to_json(l));
  m["layers"] = std::move(arr);
  if (auto w = write_file_atomic(dir / kManifest, as_bytes(json::serialize(m) + "\n")); !w)
    return fail(w.error(), "cannot write model manifest: ");
  return {};
}

Result<void> Model::clone(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(from / kManifest, ec)) return fail(Errc::kNotFound, "no model at " + from.string());
  if (fs::exists(to, ec)) return fail(Errc::kExists, to.string() + " already exists");
  fs::create_directories(to, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + to.string() + ": " + ec.message());
  auto undo = [&](Error e) {
    fs::remove_all(to, ec);
    return std::unexpected(std::move(e));
  };
  // The manifest last, as in create: a folder without it is not a model.
  for (const auto& e : fs::directory_iterator(from, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name == kManifest) continue;  // the store below; readers' copies are private
    // Every file here is replaced by rename when it changes, never rewritten in place.
    fs::create_hard_link(e.path(), to / name, ec);
    if (ec) fs::copy_file(e.path(), to / name, ec);
    if (ec) return undo(Error{Errc::kIo, "cannot copy " + e.path().string() + ": " + ec.message()});
  }
  if (ec) return undo(Error{Errc::kIo, "cannot list " + from.string() + ": " + ec.message()});
  // Through a reader's snapshot, so a process applying training to `from` meanwhile is no harm.
  auto snapshot = StoreSnapshot::take(from / "weights");
  if (!snapshot) return undo(snapshot.error());
  if (auto r = copy_store(snapshot->path(), to / "weights"); !r) return undo(r.error());
  fs::copy_file(from / kManifest, to / kManifest, ec);
  if (ec) return undo(Error{Errc::kIo, "cannot copy the model manifest: " + ec.message()});
  return {};
}

Result<std::unique_ptr<Model>> Model::open(const std::filesystem::path& dir, const ModelOptions& options) {
  auto manifest = read_file(dir / kManifest, 1u << 20);
  if (!manifest && manifest.error().code == Errc::kNotFound)
    return fail(Errc::kNotFound, "no model at " + dir.string() + " (missing " + kManifest + ")");
  if (!manifest) return std::unexpected(manifest.error());
  std::unique_ptr<Model> m(new Model());
  m->dir_ = dir;
  m->options_ = options;
  try {
    auto doc = json::parse(std::string_view(reinterpret_cast<const char*>(manifest->data()), manifest->size())).as_object();
    if (doc.at("format").to_number<int>() != kModelFormat)
      return fail("model format " + std::to_string(doc.at("format").to_number<int>()) + " is not " +
                  std::to_string(kModelFormat) + " (a model without its committed search graph): build it again");
    m->name_ = std::string(doc.at("name").as_string());
    for (auto& l : doc.at("layers").as_array()) {
      auto spec = layer_from_json(l);
      if (!spec) return std::unexpected(spec.error());
      m->layers_.push_back(*spec);
    }
  } catch (const std::exception& e) {
    return fail(std::string("malformed model.json: ") + e.what());
  }
  if (auto v = validate_layers(m->layers_); !v) return std::unexpected(v.error());
  for (size_t l = 0; l < m->layers_.size(); ++l)
    if (m->layers_[l].type == LayerType::hopfield)
      if (auto v = validate_graph(m->layers_[l]); !v) return fail(v.error(), "layer " + std::to_string(l) + ": ");
  auto store = WeightStore::open(dir / "weights", options.threads, options.access);
  if (!store) return std::unexpected(store.error());
  m->store_ = std::move(*store);
  const auto shapes = all_tensors(m->layers_);
  if (m->store_->tensor_count() != shapes.size()) return fail("weights do not match the model's layers");
  for (uint32_t t = 0; t < shapes.size(); ++t)
    if (m->store_->shape(t) != shapes[t]) return fail("weights do not match the model's layers");
  uint32_t next = 0;
  for (size_t l = 0; l < m->layers_.size(); ++l) {
    m->first_tensor_.push_back(next);
    next += uint32_t(layer_tensors(m->layers_[l], l).size());
  }
  for (size_t l = 0; l < m->layers_.size(); ++l) {
    m->search_tensor_.push_back(m->layers_[l].type == LayerType::hopfield ? next : 0);
    next += uint32_t(search_tensors(m->layers_[l], l).size());
  }
  m->keys_.resize(m->layers_.size());
  for (size_t l = 0; l < m->layers_.size(); ++l) {
    const uint32_t vt = m->value_tensor(l);
    const uint32_t d_out = m->layers_[l].d_out;
    std::vector<float> values(m->layers_[l].n * d_out);
    auto r = m->store_->for_each_leaf(vt, [&](uint64_t i, std::span<const float> row) {
      std::copy(row.begin(), row.end(), values.begin() + i * d_out);
    });
    if (!r) return std::unexpected(r.error());
    m->values_.push_back(std::move(values));
  }
  m->indexes_.resize(m->layers_.size());
  if (options.use_index) {
    for (size_t l = 0; l < m->layers_.size(); ++l) {
      if (m->layers_[l].type != LayerType::hopfield) continue;
      auto index = SearchIndex::load(*m->store_, m->search_tensor(l), m->layers_[l]);
      if (!index) return fail(index.error(), "layer " + std::to_string(l) + ": ");
      m->indexes_[l] = std::move(*index);
      (void)m->keys(l);  // the search re-scores with W_K
    }
  }
  return m;
}

const ColumnMatrix& Model::keys(size_t layer) const {
  std::lock_guard lock(keys_mutex_);
  if (!keys_.at(layer)) {
    const LayerSpec& s = layers_.at(layer);
    if (s.type != LayerType::hopfield) throw std::invalid_argument("layer has no W_K");
    auto k = std::make_unique<ColumnMatrix>(s.d, s.n);
    auto r = store_->for_each_leaf(first_tensor(layer), [&](uint64_t i, std::span<const float> col) {
      std::copy(col.begin(), col.end(), k->column(i).begin());
    });
    if (!r) throw std::runtime_error(r.error().message);  // the store was checked at open
    keys_[layer] = std::move(k);
  }
  return *keys_[layer];
}

std::vector<Hash32> Model::weight_roots() const {
  auto r = store_->roots();
  r.resize(first_tensor_.empty() ? 0 : value_tensor(layers_.size() - 1) + 1);
  return r;
}

std::vector<Hash32> Model::search_roots() const {
  auto r = store_->roots();
  r.erase(r.begin(), r.begin() + ptrdiff_t(weight_roots().size()));
  return r;
}

const SearchIndex* Model::index(size_t layer) const { return indexes_.at(layer).get(); }

std::vector<Scored> Model::exact_top_k(size_t layer, std::span<const float> x_hat) const {
  return ml::exact_top_k(keys(layer), x_hat, layers_.at(layer).k, options_.threads);
}

Result<std::vector<Scored>> Model::select(size_t layer, std::span<const float> x_hat, Search search) const {
  const LayerSpec& s = layers_[layer];
  const size_t k = s.hopfield().selected_count();
  if (search == Search::exact) return exact_top_k(layer, x_hat);
  const SearchIndex* ix = indexes_[layer].get();
  if (!ix) return fail("no search graph loaded for layer " + std::to_string(layer));
  auto found = ix->search(x_hat, keys(layer));
  if (!found) return fail(found.error(), "layer " + std::to_string(layer) + ": ");
  if (found->size() < k) return exact_top_k(layer, x_hat);  // no canonical answer: the exact one
  return found;
}

Result<Leaves> Model::read_leaves(size_t layer, std::vector<uint64_t> indices) const {
  const LayerSpec& s = layers_[layer];
  const uint32_t t0 = first_tensor(layer);
  Leaves l;
  l.indices = std::move(indices);
  const bool hop = s.type == LayerType::hopfield;
  if (hop) l.keys.resize(l.indices.size() * s.d);
  l.values.resize(l.indices.size() * s.d_out);
  for (size_t r = 0; r < l.indices.size(); ++r) {
    if (l.indices[r] >= s.n) return fail("leaf index out of range");
    if (hop && indexes_[layer]) {
      auto c = keys(layer).column(l.indices[r]);  // checked against the roots at open
      std::copy(c.begin(), c.end(), l.keys.begin() + r * s.d);
    } else if (hop) {
      if (auto k = store_->read_leaf(t0, l.indices[r], {l.keys.data() + r * s.d, s.d}); !k) return std::unexpected(k.error());
    }
    const auto row = values_[layer].begin() + l.indices[r] * s.d_out;
    std::copy(row, row + s.d_out, l.values.begin() + r * s.d_out);
  }
  return l;
}

Result<Inference> Model::infer(ByteSpan input, Search search) const {
  return infer(input, [&](size_t l, std::span<const float> x) { return select(l, x, search); });
}

Result<Inference> Model::infer(ByteSpan input, const Selector& choose) const {
  Inference inf;
  Bytes carried;  // the previous layer's output, as the next layer's f32 input
  for (size_t l = 0; l < layers_.size(); ++l) {
    const LayerSpec& s = layers_[l];
    const ByteSpan in = l == 0 ? input : ByteSpan(carried);
    LayerTrace trace;
    if (s.type == LayerType::embedding) {
      auto i = decode_index(in, s.embedding());
      if (!i) return std::unexpected(i.error());
      auto leaves = read_leaves(l, {*i});
      if (!leaves) return std::unexpected(leaves.error());
      auto out = embedding_forward(s.embedding(), leaves->values);
      if (!out) return std::unexpected(out.error());
      trace.pass.selected = {*i};
      trace.pass.output = std::move(*out);
      trace.leaves = std::move(*leaves);
    } else {
      auto x = query_from_input(in, s.hopfield());
      if (!x) return fail(x.error(), "layer " + std::to_string(l) + ": ");
      auto sel = choose(l, *x);
      if (!sel) return std::unexpected(sel.error());
      std::vector<uint64_t> idx;
      for (auto& c : *sel) idx.push_back(c.index);
      auto leaves = read_leaves(l, std::move(idx));
      if (!leaves) return std::unexpected(leaves.error());
      auto pass = forward_from_leaves(s.hopfield(), *x, *leaves);
      if (!pass) return fail(pass.error(), "layer " + std::to_string(l) + ": ");
      trace.pass = std::move(*pass);
      trace.leaves = std::move(*leaves);
    }
    carried = encode_floats(trace.pass.output);
    inf.layers.push_back(std::move(trace));
  }
  return inf;
}

Result<TrainStep> Model::train_step(ByteSpan input, std::span<const float> target, float lr, Search search) const {
  auto fwd = infer(input, search);
  if (!fwd) return std::unexpected(fwd.error());
  return train_from(input, std::move(*fwd), target, lr);
}

Result<TrainStep> Model::train_from(ByteSpan input, Inference forward, std::span<const float> target, float lr) const {
  const size_t l = layers_.size() - 1;
  const LayerSpec& s = layers_[l];
  const uint32_t t0 = first_tensor(l);
  TrainStep step;
  if (s.type == LayerType::embedding) {
    const LayerTrace& tr = forward.layers[l];
    auto row = embedding_train(s.embedding(), tr.leaves.values, target, lr);
    if (!row) return std::unexpected(row.error());
    step.updated = tr.leaves;
    step.updated.values = *row;
    step.writes.push_back({t0, tr.leaves.indices[0], std::move(*row)});
  } else {
    const ByteSpan in = l == 0 ? input : ByteSpan();
    const Bytes prev = l == 0 ? Bytes{} : encode_floats(forward.layers[l - 1].pass.output);
    auto x = query_from_input(l == 0 ? in : ByteSpan(prev), s.hopfield());
    if (!x) return std::unexpected(x.error());
    auto st = train_from_leaves(s.hopfield(), *x, forward.layers[l].leaves, target, lr);
    if (!st) return std::unexpected(st.error());
    step.updated = std::move(st->updated);
    for (size_t r = 0; r < step.updated.indices.size(); ++r) {
      auto k = step.updated.key(r, s.d);
      auto v = step.updated.value(r, s.d_out);
      step.writes.push_back({t0, step.updated.indices[r], {k.begin(), k.end()}});
      step.writes.push_back({t0 + 1, step.updated.indices[r], {v.begin(), v.end()}});
    }
  }
  step.forward = std::move(forward);
  return step;
}

Result<void> Model::apply(std::span<const LeafWrite> writes) {
  if (auto r = store_->update(writes); !r) return r;
  for (auto& w : writes)
    for (size_t l = 0; l < layers_.size(); ++l) {
      if (w.tensor == value_tensor(l)) std::copy(w.values.begin(), w.values.end(), values_[l].begin() + w.index * layers_[l].d_out);
      if (layers_[l].type == LayerType::hopfield && w.tensor == first_tensor(l) && keys_[l])
        std::copy(w.values.begin(), w.values.end(), keys_[l]->column(w.index).begin());
    }
  return {};
}

}  // namespace ghost::ml
