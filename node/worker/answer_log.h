// The worker's answer log (HOME/data/worker, LevelDB): the signed result tx of every job it
// answered, written and synced BEFORE the tx is submitted. After a crash (kill -9) a restart
// resubmits a logged answer instead of computing a second one, so no job is answered twice,
// and a job with no record is answered, so none is lost.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace leveldb {
class DB;
}

namespace ghost::worker {

class AnswerLog {
 public:
  // Opens (or creates) the log; kDenied when another process holds it.
  static Result<std::unique_ptr<AnswerLog>> open(const std::filesystem::path& dir);
  ~AnswerLog();

  // The signed answer to `job`, durable when this returns. Replaces an earlier record of the
  // job (an answer re-signed with a new nonce after the mempool refused the first).
  Result<void> record(const Hash32& job, ByteSpan signed_tx);
  std::optional<Bytes> answer(const Hash32& job) const;
  // Drops the record of a job the chain has closed (nothing more can be sent for it).
  Result<void> forget(const Hash32& job);
  // Every record, in job id order.
  std::vector<std::pair<Hash32, Bytes>> all() const;

 private:
  explicit AnswerLog(std::unique_ptr<leveldb::DB> db);
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace ghost::worker
