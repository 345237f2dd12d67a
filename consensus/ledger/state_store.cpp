#include "consensus/ledger/state_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <stdexcept>

namespace ghost::ledger {
namespace {

// Outside every typed prefix (those are printable ASCII), and not part of the write set.
const std::string kHeadKey = std::string("\xff", 1) + "head";

void put_len(Sha256& h, size_t n) {
  uint8_t b[8];
  put_u64le(b, n);
  h.update(b, 8);
}

}  // namespace

Hash32 write_set_hash(const WriteSet& writes) {
  Sha256 h;
  for (const auto& [key, value] : writes) {
    put_len(h, key.size());
    h.update(key.data(), key.size());
    uint8_t present = value ? 1 : 0;
    h.update(&present, 1);
    if (value) {
      put_len(h, value->size());
      h.update(value->data(), value->size());
    }
  }
  return h.final();
}

Hash32 chain_app_hash(const Hash32& prev, uint64_t height, const Hash32& writes_hash) {
  Sha256 h;
  h.update(as_bytes("ghostchain/app/v1")).update(prev.span());
  put_len(h, height);
  h.update(writes_hash.span());
  return h.final();
}

StateStore::StateStore() = default;
StateStore::~StateStore() {
  db_.reset();  // before the cache and filter it uses
}

Result<std::unique_ptr<StateStore>> StateStore::open(const std::string& dir) {
  auto store = std::unique_ptr<StateStore>(new StateStore());
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  // Most reads during execution are point lookups, many of absent keys (new accounts).
  store->filter_.reset(leveldb::NewBloomFilterPolicy(10));
  store->cache_.reset(leveldb::NewLRUCache(64u << 20));
  options.filter_policy = store->filter_.get();
  options.block_cache = store->cache_.get();
  options.write_buffer_size = 16u << 20;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) return fail(Errc::kIo, "cannot open state store at " + dir + ": " + s.ToString());
  store->db_.reset(raw);
  if (auto head = store->get(kHeadKey)) {
    if (head->size() != 40) return fail(Errc::kCorrupt, "state store at " + dir + " has a corrupt head record");
    store->initialized_ = true;
    store->height_ = get_u64le(reinterpret_cast<const uint8_t*>(head->data()));
    store->app_hash_ = Hash32::from_span(as_bytes(std::string_view(*head).substr(8)));
  }
  return store;
}

std::optional<std::string> StateStore::get(std::string_view key) const {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), leveldb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) throw std::runtime_error("state store read failed: " + s.ToString());
  return value;
}

void StateStore::scan(std::string_view prefix,
                      const std::function<void(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(leveldb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    fn(key, std::string_view(it->value().data(), it->value().size()));
  }
  if (!it->status().ok()) throw std::runtime_error("state store scan failed: " + it->status().ToString());
}

Result<Hash32> StateStore::commit(uint64_t height, const WriteSet& writes) {
  uint64_t expected = initialized_ ? height_ + 1 : 0;
  if (height != expected)
    return fail("commit of height " + std::to_string(height) + " but the store expects " + std::to_string(expected));
  Hash32 next = chain_app_hash(initialized_ ? app_hash_ : Hash32{}, height, write_set_hash(writes));
  leveldb::WriteBatch batch;
  for (const auto& [key, value] : writes) {
    if (value) batch.Put(key, *value);
    else batch.Delete(key);
  }
  Bytes head;
  put_u64le(head, height);
  head.insert(head.end(), next.bytes.begin(), next.bytes.end());
  batch.Put(kHeadKey, leveldb::Slice(reinterpret_cast<const char*>(head.data()), head.size()));
  leveldb::WriteOptions options;
  options.sync = true;
  leveldb::Status s = db_->Write(options, &batch);
  if (!s.ok()) return fail(Errc::kIo, "state store commit failed: " + s.ToString());
  initialized_ = true;
  height_ = height;
  app_hash_ = next;
  return next;
}

std::optional<std::string> BlockState::get(const std::string& key) const {
  if (auto it = writes_.find(key); it != writes_.end()) return it->second;
  return base_.get(key);
}

void BlockState::record(const std::string& key) {
  if (!marked_) return;
  auto it = writes_.find(key);
  std::optional<std::optional<std::string>> previous;  // empty: the key was not in the overlay
  if (it != writes_.end()) previous.emplace(it->second);
  journal_.emplace_back(key, std::move(previous));
}

void BlockState::put(const std::string& key, std::string value) {
  record(key);
  writes_[key] = std::move(value);
}

void BlockState::erase(const std::string& key) {
  record(key);
  writes_[key] = std::nullopt;
}

void BlockState::mark() {
  marked_ = true;
  journal_.clear();
}

void BlockState::undo() {
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    if (it->second) writes_[it->first] = *it->second;
    else writes_.erase(it->first);
  }
  journal_.clear();
}

}  // namespace ghost::ledger
