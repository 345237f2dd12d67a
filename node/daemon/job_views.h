// Answers of the API routes that a client of paid jobs reads (docs/protocol.md §6.6): a
// worker's record with its open work and pay, a job's result as its result tx carried it
// (the ledger keeps only the proof's hash), and the roots of one model version.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <variant>

#include "consensus/ledger/ledger.h"
#include "node/chain/block_store.h"

namespace ghost::daemon {

// The stake, `address`, `models_hex`, `open_jobs` (ASSIGNED) and `capacity` (the most it takes
// at once), and from the jobs assigned to it: `answered_jobs` (ANSWERED, not yet settled) and
// `pending_pay` (what their settlement will credit it: price less the protocol's share).
boost::json::object worker_view(const ledger::Ledger& ledger, const pb::StakeInfo& stake);

// Why a view cannot be given: the HTTP status and the message.
struct NoView {
  unsigned status;
  std::string message;
};

// The accepted result tx of an answered job: `job_id`, `kind`, `status`, `version`, `tx_id`,
// `height`, `output` (hex) and `proof` (hex of the encoded GhostProof, or TrainProof for
// training). 404 while the job has no result.
std::variant<boost::json::object, NoView> job_result(const chain::BlockStore& blocks, const pb::Job& job);

// The ModelInfo fields, `id`, `roots_version` and `roots` (hex) of that version: the current one
// unless `version` is given; 404 when the chain no longer keeps (or never had) it.
std::variant<boost::json::object, NoView> model_view(const ledger::Ledger& ledger, const pb::ModelInfo& model,
                                                     std::optional<uint64_t> version);

}  // namespace ghost::daemon
