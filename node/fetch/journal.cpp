#include "node/fetch/journal.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <cstring>
#include <string>

namespace ghost::fetch {

namespace {

constexpr char kTargetKey[] = "T";

void put_be(std::string& s, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) s.push_back(char((v >> (8 * i)) & 0xff));
}
uint64_t get_be(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | uint8_t(p[i]);
  return v;
}
std::string key(char kind, uint32_t tensor, uint64_t index) {
  std::string k(1, kind);
  put_be(k, tensor, 4);
  put_be(k, index, 8);
  return k;
}
leveldb::Slice slice(ByteSpan b) { return leveldb::Slice(reinterpret_cast<const char*>(b.data()), b.size()); }

}  // namespace

Journal::~Journal() = default;

Result<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& dir, ByteSpan target_key) {
  leveldb::Options o;
  o.create_if_missing = true;
  o.compression = leveldb::kNoCompression;  // float bits do not compress
  // A fetch writes the whole model once: a small memtable would flush and compact it over and
  // over (LevelDB's 4 MB default is one range) and stall the writes behind the compactions.
  o.write_buffer_size = 64 << 20;
  o.max_file_size = 64 << 20;
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(o, dir.string(), &raw);
  if (!st.ok()) return fail(Errc::kIo, "fetch journal " + dir.string() + ": " + st.ToString());
  std::unique_ptr<Journal> j(new Journal());
  j->db_.reset(raw);
  std::string stored;
  st = j->db_->Get(leveldb::ReadOptions(), kTargetKey, &stored);
  if (st.IsNotFound()) {
    leveldb::WriteOptions sync;
    sync.sync = true;
    if (st = j->db_->Put(sync, kTargetKey, slice(target_key)); !st.ok())
      return fail(Errc::kIo, "fetch journal write: " + st.ToString());
  } else if (!st.ok()) {
    return fail(Errc::kIo, "fetch journal read: " + st.ToString());
  } else if (stored != std::string(reinterpret_cast<const char*>(target_key.data()), target_key.size())) {
    return fail(Errc::kMismatch, dir.string() + " holds a fetch of another model or version (remove it to start over)");
  }
  return j;
}

Result<void> Journal::keep(uint32_t tensor, uint64_t first, uint64_t count, ByteSpan leaves) {
  if (count == 0 || leaves.size() % count != 0) return fail("journal: " + std::to_string(leaves.size()) + " bytes for " + std::to_string(count) + " leaves");
  const size_t leaf_bytes = leaves.size() / count;
  leveldb::WriteBatch batch;
  for (uint64_t i = 0; i < count; ++i) batch.Put(key('L', tensor, first + i), slice(leaves.subspan(i * leaf_bytes, leaf_bytes)));
  std::string n;
  put_be(n, count, 8);
  batch.Put(key('D', tensor, first), n);
  // The range's 'D' and its leaves are one batch: whatever survives a crash is whole. A sync per
  // checkpoint (not per range) bounds what a power cut can lose; a killed process loses nothing.
  unsynced_ += leaves.size();
  leveldb::WriteOptions options;
  options.sync = unsynced_ >= kCheckpointBytes;
  if (auto st = db_->Write(options, &batch); !st.ok()) return fail(Errc::kIo, "fetch journal write: " + st.ToString());
  if (options.sync) unsynced_ = 0;
  return {};
}

Result<void> Journal::sync() {
  if (unsynced_ == 0) return {};
  leveldb::WriteBatch empty;
  leveldb::WriteOptions options;
  options.sync = true;
  if (auto st = db_->Write(options, &empty); !st.ok()) return fail(Errc::kIo, "fetch journal sync: " + st.ToString());
  unsynced_ = 0;
  return {};
}

std::map<uint64_t, uint64_t> Journal::done(uint32_t tensor) const {
  std::map<uint64_t, uint64_t> out;
  const std::string prefix = key('D', tensor, 0).substr(0, 5);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != 13 || it->value().size() != 8) continue;
    out[get_be(it->key().data() + 5, 8)] = get_be(it->value().data(), 8);
  }
  return out;
}

Result<void> Journal::read(uint32_t tensor, uint64_t index, std::span<uint8_t> out) const {
  std::string v;
  auto st = db_->Get(leveldb::ReadOptions(), key('L', tensor, index), &v);
  if (!st.ok()) return fail(Errc::kIo, "fetch journal: leaf " + std::to_string(index) + " of tensor " + std::to_string(tensor) + ": " + st.ToString());
  if (v.size() != out.size()) return fail(Errc::kIo, "fetch journal: leaf of " + std::to_string(v.size()) + " bytes");
  std::memcpy(out.data(), v.data(), v.size());
  return {};
}

}  // namespace ghost::fetch
