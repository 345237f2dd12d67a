// Where a worker learns what to do, from the committed state only (never the mempool): the
// jobs assigned to it (new ones block by block, every open one at start so a restart misses
// nothing) and the training results any worker got accepted, which move the served weights.
#pragma once

#include <functional>
#include <optional>
#include <variant>
#include <vector>

#include "consensus/ledger/ledger.h"
#include "crypto/keys.h"
#include "ml/ghost_file.h"
#include "proto/block.pb.h"
#include "proto/store.pb.h"

namespace ghost::worker {

// The committed block at a height, when this node stores it.
using BlockAt = std::function<std::optional<pb::Block>(uint64_t height)>;

// A training result the chain accepted: the step from `from` (version from.version) to the next.
struct CommittedStep {
  ml::ModelVersion from;
  pb::TrainProof proof;
};

// A proven fraud in the training step from version `to` (a won Challenge of a training job):
// that step and every step after it are discarded, the model is back at `to` (§4.7.10).
struct RollBack {
  Hash32 model_id;
  uint64_t to = 0;
};

// What moves served weights, in block order (a block may hold a step, then a Challenge that
// discards it, then a new step from the version it returned to).
using ModelChange = std::variant<CommittedStep, RollBack>;

struct BlockNews {
  std::vector<pb::Job> assigned;     // jobs this block assigned to the worker, in block order
  std::vector<ModelChange> changes;  // accepted training results and proven training frauds, any worker's
};

// Jobs assigned to `worker` that wait for an answer in the committed state, oldest first.
std::vector<pb::Job> open_jobs(const ledger::Ledger& ledger, const Address& worker);

// What committed `block` (with its receipts; the ledger already holds its state) means for `worker`.
BlockNews read_block(const ledger::Ledger& ledger, const pb::Block& block, const pb::BlockResults& results,
                     const Address& worker);

// The committed steps among `news.changes` (tests and callers that only train).
std::vector<CommittedStep> steps_in(const BlockNews& news);

// The accepted training steps that moved `model_id` from version `from` to its current
// version, in order, read back from the committed blocks (`block_at`): how a folder left
// behind (the worker was down, or killed before it applied a step) catches up. Nullopt when
// one cannot be found (a version the chain no longer keeps, or a block not stored).
std::optional<std::vector<CommittedStep>> steps_since(const ledger::Ledger& ledger, const Hash32& model_id, uint64_t from,
                                                      const std::function<std::optional<pb::Block>(uint64_t)>& block_at);

// The architecture and roots of one registered version, as the chain records them.
std::optional<ml::ModelVersion> chain_version(const ledger::Ledger& ledger, const Hash32& model_id, uint64_t version);

}  // namespace ghost::worker
