#include "node/fetch/journal.h"

#include "base/file.h"

#include <fcntl.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ghost::fetch {

namespace {

constexpr char kTargetKey[] = "T";
constexpr char kLeavesFile[] = "leaves";

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
Error io_error(const std::string& what) { return Error{Errc::kIo, "fetch journal: " + what + ": " + std::strerror(errno)}; }

}  // namespace

Journal::~Journal() {
  if (checkpoint_.valid()) checkpoint_.wait();
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& dir, ByteSpan target_key,
                                               std::vector<uint64_t> tensor_bytes) {
  leveldb::Options o;
  o.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  auto st = leveldb::DB::Open(o, dir.string(), &raw);
  if (!st.ok()) return fail(Errc::kIo, "fetch journal " + dir.string() + ": " + st.ToString());
  std::unique_ptr<Journal> j(new Journal());
  j->db_.reset(raw);
  std::string stored;
  st = j->db_->Get(leveldb::ReadOptions(), kTargetKey, &stored);
  const bool fresh = st.IsNotFound();
  if (!fresh && !st.ok()) return fail(Errc::kIo, "fetch journal read: " + st.ToString());
  if (!fresh && stored != std::string(reinterpret_cast<const char*>(target_key.data()), target_key.size()))
    return fail(Errc::kMismatch, dir.string() + " holds a fetch of another model or version (remove it to start over)");
  uint64_t total = 0;
  for (uint64_t b : tensor_bytes) j->base_.push_back(total), total += b;
  j->size_ = std::move(tensor_bytes);
  j->fd_ = ::open((dir / kLeavesFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (j->fd_ < 0) return std::unexpected(io_error("cannot open " + (dir / kLeavesFile).string()));
  if (::ftruncate(j->fd_, off_t(total)) != 0) return std::unexpected(io_error("cannot size the leaves file"));
  if (fresh) {  // the target last: a journal without it is refused by nothing and starts over
    if (::fsync(j->fd_) != 0) return std::unexpected(io_error("sync"));
    leveldb::WriteOptions sync;
    sync.sync = true;
    if (st = j->db_->Put(sync, kTargetKey, slice(target_key)); !st.ok())
      return fail(Errc::kIo, "fetch journal write: " + st.ToString());
  }
  return j;
}

Result<void> Journal::keep(uint32_t tensor, uint64_t first, uint64_t count, ByteSpan leaves) {
  if (tensor >= size_.size() || count == 0 || leaves.size() % count != 0)
    return fail("journal: " + std::to_string(leaves.size()) + " bytes for " + std::to_string(count) + " leaves of tensor " +
                std::to_string(tensor));
  const uint64_t at = first * (leaves.size() / count);
  if (at > size_[tensor] || leaves.size() > size_[tensor] - at) return fail("journal: a range past the tensor's end");
  // The leaves before the marker: a marker that survives a kill always has its leaves.
  if (auto w = pwrite_all(fd_, leaves, base_[tensor] + at); !w) return fail(w.error(), "fetch journal: write: ");
  std::string n;
  put_be(n, count, 8);
  if (auto st = db_->Put(leveldb::WriteOptions(), key('D', tensor, first), n); !st.ok())
    return fail(Errc::kIo, "fetch journal write: " + st.ToString());
  std::lock_guard lock(mutex_);
  if (auto last = checkpoint_result(); !last) return last;
  unsynced_ += leaves.size();
  if (unsynced_ >= kCheckpointBytes && !checkpoint_.valid()) {
    unsynced_ = 0;
    checkpoint_ = std::async(std::launch::async, [this] { return sync_now(); });
  }
  return {};
}

Result<void> Journal::checkpoint_result() {
  if (!checkpoint_.valid() || checkpoint_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return {};
  return checkpoint_.get();
}

Result<void> Journal::sync() {
  std::lock_guard lock(mutex_);
  if (checkpoint_.valid())
    if (auto last = checkpoint_.get(); !last) return last;
  if (unsynced_ == 0) return {};
  if (auto s = sync_now(); !s) return s;
  unsynced_ = 0;
  return {};
}

Result<void> Journal::sync_now() {
  if (::fdatasync(fd_) != 0) return std::unexpected(io_error("sync"));
  leveldb::WriteBatch empty;
  leveldb::WriteOptions options;
  options.sync = true;
  if (auto st = db_->Write(options, &empty); !st.ok()) return fail(Errc::kIo, "fetch journal sync: " + st.ToString());
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

Result<void> Journal::read(uint32_t tensor, uint64_t offset, std::span<uint8_t> out) const {
  if (tensor >= size_.size() || offset > size_[tensor] || out.size() > size_[tensor] - offset)
    return fail(Errc::kIo, "fetch journal: bytes past the end of tensor " + std::to_string(tensor));
  if (auto r = pread_all(fd_, out, base_[tensor] + offset); !r) return fail(Errc::kIo, "fetch journal: read: " + r.error().message);
  return {};
}

}  // namespace ghost::fetch
