#include "ml/serve/weight_store.h"

#include <leveldb/db.h>
#include <leveldb/iterator.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <set>
#include <string>

#include "base/parallel.h"
#include "ml/canonical.h"
#include "ml/serve/store_snapshot.h"

namespace ghost::ml {

namespace {

constexpr uint64_t kChunk = 4096;  // leaves generated / hashed per parallel round

void put_be(std::string& s, uint64_t v, int bytes) {
  for (int b = bytes - 1; b >= 0; --b) s.push_back(char(uint8_t(v >> (8 * b))));
}

std::string leaf_key(uint32_t tensor, uint64_t index) {
  std::string k = "L";
  put_be(k, tensor, 4);
  put_be(k, index, 8);
  return k;
}

std::string leaf_prefix(uint32_t tensor) {
  std::string k = "L";
  put_be(k, tensor, 4);
  return k;
}

std::string root_key(uint32_t tensor) {
  std::string k = "R";
  put_be(k, tensor, 4);
  return k;
}

const std::string kShapesKey = "S";

std::string encode_shapes(const std::vector<TensorShape>& shapes) {
  Bytes b;
  put_u64le(b, shapes.size());
  for (auto& s : shapes) {
    put_u64le(b, s.name.size());
    b.insert(b.end(), s.name.begin(), s.name.end());
    put_u64le(b, s.leaf_count);
    put_u64le(b, s.leaf_floats);
  }
  return std::string(b.begin(), b.end());
}

Result<std::vector<TensorShape>> decode_shapes(const std::string& v) {
  size_t at = 0;
  auto u64 = [&](uint64_t& out) {
    if (v.size() - at < 8) return false;
    out = get_u64le(reinterpret_cast<const uint8_t*>(v.data() + at));
    at += 8;
    return true;
  };
  uint64_t count;
  if (!u64(count) || count > 1024) return fail(Errc::kCorrupt, "corrupt tensor table");
  std::vector<TensorShape> shapes(count);
  for (auto& s : shapes) {
    uint64_t len, floats;
    if (!u64(len) || len > v.size() - at) return fail(Errc::kCorrupt, "corrupt tensor table");
    s.name = v.substr(at, len);
    at += len;
    if (!u64(s.leaf_count) || !u64(floats) || floats == 0 || floats > (1u << 24) || s.leaf_count == 0)
      return fail(Errc::kCorrupt, "corrupt tensor table");
    s.leaf_floats = uint32_t(floats);
  }
  if (at != v.size()) return fail(Errc::kCorrupt, "corrupt tensor table");
  return shapes;
}

// f(i) for i in [0, n) in one contiguous chunk per thread.
template <class F>
void parallel_for(uint64_t n, unsigned threads, F&& f) {
  parallel_chunks(n, unsigned(std::min<uint64_t>(threads, std::max<uint64_t>(n, 1))), [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t i = b; i < e; ++i) f(i);
  });
}

leveldb::Options db_options(bool create) {
  leveldb::Options o;
  o.create_if_missing = create;
  o.error_if_exists = create;
  o.compression = leveldb::kNoCompression;  // float bits do not compress
  o.write_buffer_size = 64 << 20;
  o.max_file_size = 64 << 20;
  return o;
}

}  // namespace

WeightStore::~WeightStore() = default;

Result<std::unique_ptr<WeightStore>> WeightStore::create(const std::filesystem::path& dir,
                                                         std::vector<TensorShape> shapes, const LeafFiller& fill,
                                                         unsigned threads) {
  if (shapes.empty()) return fail("a weight store needs at least one tensor");
  std::set<std::string> names;
  for (auto& s : shapes) {
    if (s.leaf_count == 0 || s.leaf_floats == 0) return fail("tensor " + s.name + " is empty");
    if (!names.insert(s.name).second) return fail("duplicate tensor name " + s.name);
  }
  threads = resolve_threads(threads);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(db_options(true), dir.string(), &raw);
  if (!st.ok()) return fail(Errc::kIo, "cannot create weight store at " + dir.string() + ": " + st.ToString());
  std::unique_ptr<WeightStore> ws(new WeightStore());
  ws->db_.reset(raw);
  ws->shapes_ = std::move(shapes);

  // Leaves first, unsynced; the tensor table and roots last in one synced batch: a store
  // without them (an interrupted create) does not open.
  leveldb::WriteBatch final_batch;
  for (uint32_t t = 0; t < ws->shapes_.size(); ++t) {
    const TensorShape& s = ws->shapes_[t];
    std::vector<Hash32> hashes(s.leaf_count);
    std::vector<float> floats(kChunk * s.leaf_floats);
    for (uint64_t lo = 0; lo < s.leaf_count; lo += kChunk) {
      const uint64_t hi = std::min(s.leaf_count, lo + kChunk);
      parallel_for(hi - lo, threads, [&](uint64_t r) {
        std::span<float> out(floats.data() + r * s.leaf_floats, s.leaf_floats);
        fill(t, lo + r, out);
        hashes[lo + r] = merkle::leaf_hash(lo + r, {reinterpret_cast<const uint8_t*>(out.data()), s.leaf_bytes()});
      });
      leveldb::WriteBatch batch;
      for (uint64_t i = lo; i < hi; ++i)
        batch.Put(leaf_key(t, i),
                  leveldb::Slice(reinterpret_cast<const char*>(floats.data() + (i - lo) * s.leaf_floats), s.leaf_bytes()));
      if (st = ws->db_->Write(leveldb::WriteOptions(), &batch); !st.ok()) return fail(Errc::kIo, "weight store write: " + st.ToString());
    }
    ws->trees_.push_back(merkle::Tree::from_leaf_hashes(std::move(hashes), threads));
    Hash32 root = ws->trees_.back().root();
    final_batch.Put(root_key(t), leveldb::Slice(reinterpret_cast<const char*>(root.data()), 32));
  }
  final_batch.Put(kShapesKey, encode_shapes(ws->shapes_));
  leveldb::WriteOptions sync;
  sync.sync = true;
  if (st = ws->db_->Write(sync, &final_batch); !st.ok()) return fail(Errc::kIo, "weight store write: " + st.ToString());
  // Into tables now, logs gone: a reader's snapshot and a clone hard-link tables but must copy
  // logs, which would otherwise hold up to a write buffer of leaves each.
  ws->db_->CompactRange(nullptr, nullptr);
  return ws;
}

Result<std::unique_ptr<WeightStore>> WeightStore::open(const std::filesystem::path& dir, unsigned threads,
                                                       StoreAccess access) {
  threads = resolve_threads(threads);
  std::unique_ptr<WeightStore> ws(new WeightStore());
  std::filesystem::path db_dir = dir;
  if (access == StoreAccess::read) {
    auto snap = StoreSnapshot::take(dir);
    if (!snap) return std::unexpected(snap.error());
    ws->snapshot_ = std::make_unique<StoreSnapshot>(std::move(*snap));
    db_dir = ws->snapshot_->path();
  }
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(db_options(false), db_dir.string(), &raw);
  if (!st.ok()) return fail(Errc::kIo, "cannot open weight store at " + dir.string() + ": " + st.ToString());
  ws->db_.reset(raw);
  std::string table;
  if (!ws->db_->Get(leveldb::ReadOptions(), kShapesKey, &table).ok())
    return fail(Errc::kCorrupt, "weight store at " + dir.string() + " is incomplete (no tensor table)");
  auto shapes = decode_shapes(table);
  if (!shapes) return std::unexpected(shapes.error());
  ws->shapes_ = std::move(*shapes);

  leveldb::ReadOptions scan;
  scan.fill_cache = false;
  for (uint32_t t = 0; t < ws->shapes_.size(); ++t) {
    const TensorShape& s = ws->shapes_[t];
    std::vector<Hash32> hashes(s.leaf_count);
    std::unique_ptr<leveldb::Iterator> it(ws->db_->NewIterator(scan));
    const std::string prefix = leaf_prefix(t);
    it->Seek(prefix);
    std::vector<std::string> chunk;
    for (uint64_t lo = 0; lo < s.leaf_count; lo += kChunk) {
      const uint64_t hi = std::min(s.leaf_count, lo + kChunk);
      chunk.clear();
      for (uint64_t i = lo; i < hi; ++i, it->Next()) {
        if (!it->Valid() || it->key().ToString() != leaf_key(t, i))
          return fail(Errc::kCorrupt, "tensor " + s.name + ": leaf " + std::to_string(i) + " missing");
        if (it->value().size() != s.leaf_bytes()) return fail(Errc::kCorrupt, "tensor " + s.name + ": leaf " + std::to_string(i) + " has the wrong size");
        chunk.push_back(it->value().ToString());
      }
      parallel_for(hi - lo, threads, [&](uint64_t r) { hashes[lo + r] = merkle::leaf_hash(lo + r, as_bytes(chunk[r])); });
    }
    if (it->Valid() && it->key().starts_with(prefix)) return fail(Errc::kCorrupt, "tensor " + s.name + " has leaves beyond its count");
    ws->trees_.push_back(merkle::Tree::from_leaf_hashes(std::move(hashes), threads));
    std::string stored;
    if (!ws->db_->Get(leveldb::ReadOptions(), root_key(t), &stored).ok() || stored.size() != 32)
      return fail(Errc::kCorrupt, "tensor " + s.name + ": no stored root");
    if (Hash32::from_span(as_bytes(stored)) != ws->trees_.back().root())
      return fail(Errc::kCorrupt, "tensor " + s.name + ": leaves do not match the stored root (corrupt store)");
  }
  return ws;
}

Result<uint32_t> WeightStore::find(const std::string& name) const {
  for (uint32_t t = 0; t < shapes_.size(); ++t)
    if (shapes_[t].name == name) return t;
  return fail(Errc::kNotFound, "no tensor named " + name);
}

std::vector<Hash32> WeightStore::roots() const {
  std::vector<Hash32> r;
  for (auto& t : trees_) r.push_back(t.root());
  return r;
}

Result<Bytes> WeightStore::leaf_bytes(uint32_t tensor, uint64_t index) const {
  if (tensor >= shapes_.size()) return fail("no tensor " + std::to_string(tensor));
  if (index >= shapes_[tensor].leaf_count)
    return fail("leaf " + std::to_string(index) + " out of range for " + shapes_[tensor].name);
  std::string v;
  auto st = db_->Get(leveldb::ReadOptions(), leaf_key(tensor, index), &v);
  if (!st.ok()) return fail(Errc::kIo, "reading leaf: " + st.ToString());
  if (v.size() != shapes_[tensor].leaf_bytes()) return fail("stored leaf has the wrong size");
  return Bytes(v.begin(), v.end());
}

Result<void> WeightStore::read_leaf(uint32_t tensor, uint64_t index, std::span<float> out) const {
  auto b = leaf_bytes(tensor, index);
  if (!b) return std::unexpected(b.error());
  if (out.size() != shapes_[tensor].leaf_floats) return fail("output span has the wrong size");
  decode_floats_into(*b, out);
  return {};
}

Result<std::vector<float>> WeightStore::leaf(uint32_t tensor, uint64_t index) const {
  auto b = leaf_bytes(tensor, index);
  if (!b) return std::unexpected(b.error());
  return decode_floats(*b, shapes_[tensor].leaf_floats);
}

Result<void> WeightStore::read_leaves(uint32_t tensor, uint64_t first, uint64_t count, Bytes& out) const {
  if (tensor >= shapes_.size()) return fail("no tensor " + std::to_string(tensor));
  const TensorShape& s = shapes_[tensor];
  if (first >= s.leaf_count || count > s.leaf_count - first)
    return fail("leaves " + std::to_string(first) + " + " + std::to_string(count) + " out of range for " + s.name);
  leveldb::ReadOptions scan;
  scan.fill_cache = false;  // served ranges are read once; keep the cache for the index
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(scan));
  out.reserve(out.size() + count * s.leaf_bytes());
  it->Seek(leaf_key(tensor, first));
  for (uint64_t i = first; i < first + count; ++i, it->Next()) {
    if (!it->Valid() || it->key() != leaf_key(tensor, i) || it->value().size() != s.leaf_bytes())
      return fail(Errc::kIo, "tensor " + s.name + ": leaf " + std::to_string(i) + " missing or malformed");
    const auto* v = reinterpret_cast<const uint8_t*>(it->value().data());
    out.insert(out.end(), v, v + it->value().size());
  }
  return {};
}

Result<void> WeightStore::for_each_leaf(uint32_t tensor,
                                        const std::function<void(uint64_t, std::span<const float>)>& fn) const {
  if (tensor >= shapes_.size()) return fail("no tensor " + std::to_string(tensor));
  const TensorShape& s = shapes_[tensor];
  leveldb::ReadOptions scan;
  scan.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(scan));
  std::vector<float> buf(s.leaf_floats);
  it->Seek(leaf_key(tensor, 0));
  for (uint64_t i = 0; i < s.leaf_count; ++i, it->Next()) {
    if (!it->Valid() || it->key().ToString() != leaf_key(tensor, i) || it->value().size() != s.leaf_bytes())
      return fail("tensor " + s.name + ": leaf " + std::to_string(i) + " missing or malformed");
    decode_floats_into(as_bytes({it->value().data(), it->value().size()}), buf);
    fn(i, buf);
  }
  return {};
}

Result<void> WeightStore::update(std::span<const LeafWrite> writes) {
  if (snapshot_) return fail(Errc::kDenied, "the weight store was opened read-only");
  std::set<std::pair<uint32_t, uint64_t>> seen;
  for (auto& w : writes) {
    if (w.tensor >= shapes_.size()) return fail("no tensor " + std::to_string(w.tensor));
    const TensorShape& s = shapes_[w.tensor];
    if (w.index >= s.leaf_count) return fail("leaf " + std::to_string(w.index) + " out of range for " + s.name);
    if (w.values.size() != s.leaf_floats) return fail("new leaf for " + s.name + " has the wrong size");
    if (!seen.insert({w.tensor, w.index}).second) return fail("one update writes the same leaf twice");
  }
  struct Old {
    uint32_t tensor;
    uint64_t index;
    Hash32 hash;
  };
  std::vector<Old> old;
  std::set<uint32_t> touched;
  leveldb::WriteBatch batch;
  for (auto& w : writes) {
    Bytes b = encode_floats(w.values);
    old.push_back({w.tensor, w.index, trees_[w.tensor].leaf(w.index)});
    trees_[w.tensor].update(w.index, b);
    touched.insert(w.tensor);
    batch.Put(leaf_key(w.tensor, w.index), leveldb::Slice(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  for (uint32_t t : touched) {
    Hash32 r = trees_[t].root();
    batch.Put(root_key(t), leveldb::Slice(reinterpret_cast<const char*>(r.data()), 32));
  }
  leveldb::WriteOptions sync;
  sync.sync = true;
  if (auto st = db_->Write(sync, &batch); !st.ok()) {
    for (auto o = old.rbegin(); o != old.rend(); ++o) trees_[o->tensor].set_leaf_hash(o->index, o->hash);
    return fail(Errc::kIo, "weight store write failed, nothing changed: " + st.ToString());
  }
  return {};
}

}  // namespace ghost::ml
