#include "node/chain/block_store.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <set>

#include "proto/decode.h"

namespace ghost::chain {
namespace {

// Keys: one type byte, then a big-endian height (so heights sort) or a 32-byte hash.
constexpr char kMeta = 'm', kBlock = 'b', kCommit = 'c', kResults = 'r', kSchedule = 'v', kHash = 'h', kTx = 't';

std::string height_key(char type, uint64_t h) {
  std::string k(1, type);
  for (int i = 7; i >= 0; --i) k.push_back(char(h >> (8 * i)));
  return k;
}
std::string hash_key(char type, const Hash32& h) {
  std::string k(1, type);
  k.append(h.bytes.begin(), h.bytes.end());
  return k;
}

std::string u64_text(uint64_t v) {
  Bytes b;
  put_u64le(b, v);
  return std::string(b.begin(), b.end());
}

std::string dump(const google::protobuf::MessageLite& m) {
  Bytes b = pb::encode(m);
  return std::string(b.begin(), b.end());
}

}  // namespace

pb::ProposerSchedule schedule_to_proto(const bft::ValidatorSet& set) {
  pb::ProposerSchedule p;
  for (const auto& v : set.validators()) {
    auto* e = p.add_validators();
    e->set_key(v.key.bytes.data(), 32);
    e->set_power(v.power);
    e->set_priority(v.priority);
  }
  p.set_proposer(uint32_t(set.proposer_index()));
  return p;
}

Result<bft::ValidatorSet> schedule_from_proto(const pb::ProposerSchedule& p) {
  std::vector<bft::Validator> vs;
  for (const auto& e : p.validators()) {
    auto key = PublicKey::from_bytes(as_bytes(e.key()));
    if (!key) return fail(Errc::kCorrupt, "stored schedule: " + key.error().message);
    vs.push_back({*key, e.power(), e.priority()});
  }
  auto set = bft::ValidatorSet::make(std::move(vs));
  if (!set) return fail(Errc::kCorrupt, "stored schedule: " + set.error().message);
  // make() keeps canonical order, so stored priorities stay with their validators.
  if (p.proposer() >= set->size()) return fail(Errc::kCorrupt, "stored schedule: proposer out of range");
  set->set_proposer_index(p.proposer());
  return set;
}

Result<std::unique_ptr<BlockStore>> BlockStore::open(const std::filesystem::path& dir) {
  std::unique_ptr<BlockStore> s(new BlockStore());
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(options, dir.string(), &raw);
  if (!st.ok()) return fail(Errc::kIo, "cannot open block store at " + dir.string() + ": " + st.ToString());
  s->db_.reset(raw);
  std::string meta;
  st = s->db_->Get(leveldb::ReadOptions(), std::string(1, kMeta), &meta);
  if (st.ok()) {
    if (meta.size() != 8) return fail(Errc::kCorrupt, "block store at " + dir.string() + " has a corrupt head record");
    s->height_ = get_u64le(reinterpret_cast<const uint8_t*>(meta.data()));
  } else if (!st.IsNotFound()) {
    return fail(Errc::kIo, "cannot read block store head: " + st.ToString());
  }
  return s;
}

BlockStore::~BlockStore() = default;

Result<void> BlockStore::put_genesis_schedule(const bft::ValidatorSet& set) {
  leveldb::WriteOptions sync;
  sync.sync = true;
  auto st = db_->Put(sync, height_key(kSchedule, 1), dump(schedule_to_proto(set)));
  if (!st.ok()) return fail(Errc::kIo, "block store write failed: " + st.ToString());
  return {};
}

Result<void> BlockStore::append(const StoredBlock& s) {
  const uint64_t h = s.block.header().height();
  if (h != height_ + 1) return fail("block " + std::to_string(h) + " does not follow stored height " + std::to_string(height_));
  if (s.commit.height() != h) return fail("commit is for height " + std::to_string(s.commit.height()));
  leveldb::WriteBatch batch;
  const std::string header = dump(s.block.header());
  const Hash32 hash = sha256(as_bytes(header));
  batch.Put(height_key(kBlock, h), dump(s.block));
  batch.Put(height_key(kCommit, h), dump(s.commit));
  batch.Put(height_key(kResults, h), dump(s.results));
  batch.Put(height_key(kSchedule, h + 1), dump(schedule_to_proto(s.next_schedule)));
  batch.Put(hash_key(kHash, hash), u64_text(h));
  std::set<std::string> indexed;
  for (int i = 0; i < s.block.txs_size(); ++i) {
    // The first inclusion is the one that counts: a proposer may put a committed tx in again
    // (it then fails on its nonce), which must not hide the receipt of the first.
    const std::string key = hash_key(kTx, sha256(as_bytes(s.block.txs(i))));
    std::string existing;
    if (!indexed.insert(key).second || db_->Get(leveldb::ReadOptions(), key, &existing).ok()) continue;
    Bytes loc;
    put_u64le(loc, h);
    put_u64le(loc, uint64_t(i));
    loc.resize(12);  // height, then the index as u32le
    batch.Put(key, leveldb::Slice(reinterpret_cast<const char*>(loc.data()), loc.size()));
  }
  batch.Put(std::string(1, kMeta), u64_text(h));
  leveldb::WriteOptions sync;
  sync.sync = true;
  auto st = db_->Write(sync, &batch);
  if (!st.ok()) return fail(Errc::kIo, "block store write failed: " + st.ToString());
  height_ = h;
  return {};
}

namespace {
template <class M>
std::optional<M> load(leveldb::DB& db, const std::string& key) {
  std::string v;
  auto st = db.Get(leveldb::ReadOptions(), key, &v);
  if (st.IsNotFound()) return std::nullopt;
  if (!st.ok()) throw std::runtime_error("block store read failed: " + st.ToString());
  M m;
  if (!m.ParseFromString(v)) throw std::runtime_error("corrupt block store record");
  return m;
}
}  // namespace

std::optional<pb::Block> BlockStore::block(uint64_t h) const { return load<pb::Block>(*db_, height_key(kBlock, h)); }
std::optional<pb::Commit> BlockStore::commit(uint64_t h) const { return load<pb::Commit>(*db_, height_key(kCommit, h)); }
std::optional<pb::BlockResults> BlockStore::results(uint64_t h) const {
  return load<pb::BlockResults>(*db_, height_key(kResults, h));
}

std::optional<bft::ValidatorSet> BlockStore::schedule(uint64_t h) const {
  auto p = load<pb::ProposerSchedule>(*db_, height_key(kSchedule, h));
  if (!p) return std::nullopt;
  auto set = schedule_from_proto(*p);
  if (!set) throw std::runtime_error(set.error().message);
  return std::move(*set);
}

std::optional<uint64_t> BlockStore::height_of(const Hash32& block_hash) const {
  std::string v;
  auto st = db_->Get(leveldb::ReadOptions(), hash_key(kHash, block_hash), &v);
  if (!st.ok() || v.size() != 8) return std::nullopt;
  return get_u64le(reinterpret_cast<const uint8_t*>(v.data()));
}

std::optional<TxLocation> BlockStore::find_tx(const Hash32& tx_id) const {
  std::string v;
  auto st = db_->Get(leveldb::ReadOptions(), hash_key(kTx, tx_id), &v);
  if (!st.ok() || v.size() != 12) return std::nullopt;
  Bytes idx(v.begin() + 8, v.end());
  idx.resize(8, 0);
  return TxLocation{get_u64le(reinterpret_cast<const uint8_t*>(v.data())), uint32_t(get_u64le(idx.data()))};
}

}  // namespace ghost::chain
