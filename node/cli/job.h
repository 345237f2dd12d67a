// A paid job from the client's side (`ghost infer`, `ghost train`): pick the max fee, submit
// the request, follow the job with progress until the chain closes or answers it, and read
// the answer's proof as the result tx carried it. Checking that proof is the caller's.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "node/cli/chain_model.h"
#include "node/cli/submit.h"
#include "proto/genesis.pb.h"
#include "proto/state.pb.h"

namespace ghost::cli {

struct JobArgs {
  TxArgs tx;                       // signing; tx.node is set to nodes[0]
  std::vector<std::string> nodes;  // the first submits; all must agree on the model's roots
  std::string model, max_fee, proof_out;
  uint64_t deadline = 0;           // blocks after the current height; 0: the chain's default
  double timeout_s = 300;
  bool async = false, json = false;
};
void add_job_options(CLI::App& cmd, JobArgs& a);

// The request about to be sent: the model as the chain records it now, and the terms.
struct JobPlan {
  ChainModel model;
  uint64_t max_fee = 0;   // escrowed; the assigned worker's price is what the job costs
  uint64_t deadline = 0;  // a height, 0 for the chain's default
  pb::Params params;
};
// Reads the model and the workers: without --max-fee, the cheapest eligible worker's price
// (at least the model's price floor). No eligible worker fails kExitRejected before paying.
JobPlan plan_job(JobArgs& a);

// Submits the request and waits for its block: the job id is the tx id. A receipt that is not
// OK (NO_WORKER, BAD_INPUT...) exits kExitRejected.
Submitted submit_job(const JobArgs& a, const pb::TxBody& request, const std::string& what);

// --async: the job id and the block that requested it.
void print_requested(const JobArgs& a, const Submitted& request);

// Follows the job until it is no longer ASSIGNED, with a progress line on stderr (kExitTimeout
// after --timeout seconds).
pb::Job wait_for_job(const JobArgs& a, const std::string& job_id);

// The accepted result of an answered job (GET /jobs/{id}/result): its output and proof bytes.
struct JobResult {
  std::string tx_id;
  uint64_t height = 0;
  Bytes output, proof;
};
JobResult read_result(const JobArgs& a, const std::string& job_id);

// The fee side of a job for --json: the request's tx fee, the escrow, the price.
boost::json::object fee_json(const Submitted& request, const pb::Job& job);
void print_fee(const Submitted& request, const pb::Job& job, const pb::Params& params);

// A refunded, challenged or rolled-back job: says so (JSON or text) and exits kExitRefunded.
[[noreturn]] void refunded(const JobArgs& a, const Submitted& request, const pb::Job& job);

}  // namespace ghost::cli
