#include "node/spotcheck/duty.h"

#include <algorithm>

#include "proto/decode.h"

namespace ghost::spotcheck {

uint32_t challenger_rank(const Hash32& next_block_hash, const Hash32& job_id, const pb::ValidatorSet& set,
                         const Address& me) {
  const std::string mine(me.bytes.begin(), me.bytes.end());
  auto key = [&](const std::string& op) {
    return std::pair{Sha256().update(next_block_hash.span()).update(job_id.span()).update(as_bytes(op)).final(), op};
  };
  bool member = false;
  for (const auto& v : set.validators()) member |= v.operator_() == mine;
  if (!member) return uint32_t(set.validators_size());
  const auto own = key(mine);
  uint32_t rank = 0;
  for (const auto& v : set.validators())
    if (v.operator_() != mine && key(v.operator_()) < own) ++rank;
  return rank;
}

uint64_t due_height(uint64_t sampled_at, uint32_t rank) { return sampled_at + uint64_t(rank) * kBackupBlocks; }

Duty challenge_duty(uint64_t height, uint64_t due, bool job_answered, bool challenge_pending) {
  if (!job_answered) return Duty::drop;
  if (height < due || challenge_pending) return Duty::wait;
  return Duty::submit;
}

std::set<Hash32> challenged_jobs(std::span<const Bytes> pending) {
  std::set<Hash32> out;
  for (const Bytes& raw : pending) {
    pb::TxEnvelope env;
    pb::TxBody body;
    if (!pb::decode(raw, env) || !pb::decode(as_bytes(env.body()), body) || !body.has_challenge()) continue;
    if (body.challenge().job_id().size() == 32) out.insert(Hash32::from_span(as_bytes(body.challenge().job_id())));
  }
  return out;
}

}  // namespace ghost::spotcheck
