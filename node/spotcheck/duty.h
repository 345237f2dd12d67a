// Which validator challenges a sampled fault, and when (docs/protocol.md §6, "Spot-checker"):
// every validator samples and checks the same answers, so without a rule each would submit its
// own Challenge and all but the first would pay a fee for JOB_NOT_OPEN. One validator is
// ranked first per answer and submits at once; the others are backups, each a few blocks later,
// and only while the job is open and no challenge naming it waits in their mempool.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <vector>

#include "crypto/keys.h"
#include "proto/state.pb.h"
#include "proto/tx.pb.h"

namespace ghost::spotcheck {

// Blocks between one rank's turn and the next: time for the previous rank's challenge to be
// gossiped into every mempool or committed.
inline constexpr uint64_t kBackupBlocks = 2;

// Where `me` stands among the set's operators ranked by H(B || J || operator) ascending (B the
// hash of the sampling block, J the job id; ties by operator bytes): 0 challenges first. A
// validator not in the set ranks after all of them (the set's size).
uint32_t challenger_rank(const Hash32& next_block_hash, const Hash32& job_id, const pb::ValidatorSet& set,
                         const Address& me);

// The first committed height at which rank `rank` may submit, for an answer sampled by block
// `sampled_at`: rank r waits r * kBackupBlocks blocks.
uint64_t due_height(uint64_t sampled_at, uint32_t rank);

enum class Duty {
  submit,  // due, the job still ANSWERED, no challenge naming it pending
  wait,    // not due yet, or a challenge naming it is pending (it may still fail to land)
  drop,    // the job left ANSWERED in committed state (challenged, settled): nothing to do
};
Duty challenge_duty(uint64_t height, uint64_t due, bool job_answered, bool challenge_pending);

// The job ids named by the Challenge txs among `pending` (raw envelopes; undecodable ones skipped).
std::set<Hash32> challenged_jobs(std::span<const Bytes> pending);

}  // namespace ghost::spotcheck
