#include "node/chain/block_store.h"

#include <fcntl.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/file.h"
#include "proto/decode.h"

namespace ghost::chain {
namespace {

// Keys: one type byte, then a big-endian height (so heights sort) or a 32-byte hash. A body's
// place is u64le offset, u64le length in the bodies file.
constexpr char kMeta = 'm', kBody = 'B', kHeader = 'H', kCommit = 'c', kResults = 'r', kSchedule = 'v', kHash = 'h',
               kTx = 't';
constexpr char kBodiesFile[] = "bodies";

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

struct BodyPlace {
  uint64_t offset = 0, length = 0;
};

std::string place_text(BodyPlace p) {
  Bytes b;
  put_u64le(b, p.offset);
  put_u64le(b, p.length);
  return std::string(b.begin(), b.end());
}

// Where block h's body is; nullopt when the index has none.
std::optional<BodyPlace> body_place(leveldb::DB& db, uint64_t h) {
  std::string v;
  auto st = db.Get(leveldb::ReadOptions(), height_key(kBody, h), &v);
  if (st.IsNotFound()) return std::nullopt;
  if (!st.ok()) throw std::runtime_error("block store read failed: " + st.ToString());
  if (v.size() != 16) throw std::runtime_error("corrupt block store record: the body place of block " + std::to_string(h));
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return BodyPlace{get_u64le(p), get_u64le(p + 8)};
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
  const std::filesystem::path bodies = dir / kBodiesFile;
  s->bodies_ = ::open(bodies.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s->bodies_ < 0) return fail(Errc::kIo, "cannot open " + bodies.string() + ": " + std::strerror(errno));
  if (s->height_ > 0) {
    std::optional<BodyPlace> head;
    try {
      head = body_place(*s->db_, s->height_);
    } catch (const std::exception& e) {
      return fail(Errc::kCorrupt, e.what());
    }
    if (!head)
      return fail(Errc::kCorrupt, "block store at " + dir.string() + " keeps its blocks inside LevelDB (made by an older "
                                  "ghostd): remove the data folder's blocks and state and let block sync fetch them again");
    s->bodies_end_ = head->offset + head->length;
  }
  struct stat info;
  if (::fstat(s->bodies_, &info) != 0) return fail(Errc::kIo, "cannot stat " + bodies.string() + ": " + std::strerror(errno));
  if (uint64_t(info.st_size) < s->bodies_end_)
    return fail(Errc::kCorrupt, bodies.string() + " is shorter than the blocks it indexes: it was cut or replaced "
                                "(restore it, or reset the data folder)");
  // A body synced before a crash kept its index batch from landing.
  if (uint64_t(info.st_size) > s->bodies_end_ && ::ftruncate(s->bodies_, off_t(s->bodies_end_)) != 0)
    return fail(Errc::kIo, "cannot cut " + bodies.string() + ": " + std::strerror(errno));
  return s;
}

BlockStore::~BlockStore() {
  if (bodies_ >= 0) ::close(bodies_);
}

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
  if (s.tx_ids.size() != size_t(s.block.txs_size()))
    return fail(std::to_string(s.tx_ids.size()) + " tx ids for " + std::to_string(s.block.txs_size()) + " txs");
  const Bytes body = pb::encode(s.block);
  if (auto w = pwrite_all(bodies_, body, bodies_end_); !w)
    return fail(w.error(), "block store: writing block " + std::to_string(h) + ": ");
  if (::fdatasync(bodies_) != 0) return fail(Errc::kIo, std::string("block store: syncing the bodies: ") + std::strerror(errno));
  leveldb::WriteBatch batch;
  const std::string header = dump(s.block.header());
  const Hash32 hash = sha256(as_bytes(header));
  batch.Put(height_key(kBody, h), place_text({bodies_end_, body.size()}));
  batch.Put(height_key(kHeader, h), header);
  batch.Put(height_key(kCommit, h), dump(s.commit));
  batch.Put(height_key(kResults, h), dump(s.results));
  batch.Put(height_key(kSchedule, h + 1), dump(schedule_to_proto(s.next_schedule)));
  batch.Put(hash_key(kHash, hash), u64_text(h));
  std::set<std::string> indexed;
  for (int i = 0; i < s.block.txs_size(); ++i) {
    // The first inclusion is the one that counts: a proposer may put a committed tx in again
    // (it then fails on its nonce), which must not hide the receipt of the first.
    const std::string key = hash_key(kTx, s.tx_ids[size_t(i)]);
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
  bodies_end_ += body.size();
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

std::optional<pb::Block> BlockStore::block(uint64_t h) const {
  const auto place = body_place(*db_, h);
  if (!place) return std::nullopt;
  Bytes body(place->length);
  if (auto r = pread_all(bodies_, body, place->offset); !r)
    throw std::runtime_error("block store: reading block " + std::to_string(h) + ": " + r.error().message);
  pb::Block b;
  if (!b.ParseFromArray(body.data(), int(body.size())))
    throw std::runtime_error("corrupt block store: the body of block " + std::to_string(h) + " does not decode");
  return b;
}
std::optional<pb::BlockHeader> BlockStore::header(uint64_t h) const {
  return load<pb::BlockHeader>(*db_, height_key(kHeader, h));
}
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
