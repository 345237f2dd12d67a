#include "node/worker/answer_log.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

namespace ghost::worker {

namespace {

constexpr char kAnswer = 'a';  // + job id -> signed result tx

std::string key_of(const Hash32& job) {
  std::string k(1, kAnswer);
  k.append(reinterpret_cast<const char*>(job.data()), 32);
  return k;
}

}  // namespace

AnswerLog::AnswerLog(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}
AnswerLog::~AnswerLog() = default;

Result<std::unique_ptr<AnswerLog>> AnswerLog::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(options, dir.string(), &raw);
  if (!st.ok())
    return fail(st.IsIOError() ? Errc::kDenied : Errc::kIo, "worker answer log " + dir.string() + ": " + st.ToString());
  return std::unique_ptr<AnswerLog>(new AnswerLog(std::unique_ptr<leveldb::DB>(raw)));
}

Result<void> AnswerLog::record(const Hash32& job, ByteSpan signed_tx) {
  leveldb::WriteOptions w;
  w.sync = true;
  auto st = db_->Put(w, key_of(job), leveldb::Slice(reinterpret_cast<const char*>(signed_tx.data()), signed_tx.size()));
  if (!st.ok()) return fail(Errc::kIo, "worker answer log: " + st.ToString());
  return {};
}

std::optional<Bytes> AnswerLog::answer(const Hash32& job) const {
  std::string v;
  if (!db_->Get(leveldb::ReadOptions(), key_of(job), &v).ok()) return std::nullopt;
  return Bytes(v.begin(), v.end());
}

Result<void> AnswerLog::forget(const Hash32& job) {
  auto st = db_->Delete(leveldb::WriteOptions(), key_of(job));
  if (!st.ok()) return fail(Errc::kIo, "worker answer log: " + st.ToString());
  return {};
}

std::vector<std::pair<Hash32, Bytes>> AnswerLog::all() const {
  std::vector<std::pair<Hash32, Bytes>> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(std::string(1, kAnswer)); it->Valid() && it->key()[0] == kAnswer; it->Next()) {
    if (it->key().size() != 33) continue;
    auto v = it->value();
    out.emplace_back(Hash32::from_span(ByteSpan(reinterpret_cast<const uint8_t*>(it->key().data()) + 1, 32)),
                     Bytes(v.data(), v.data() + v.size()));
  }
  return out;
}

}  // namespace ghost::worker
