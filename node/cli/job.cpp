#include "node/cli/job.h"

#include <iostream>
#include <thread>

#include "node/cli/cli.h"
#include "node/cli/event_stream.h"
#include "node/cli/keyring.h"
#include "node/cli/node_client.h"
#include "node/cli/print.h"

namespace ghost::cli {

namespace json = boost::json;

void add_job_options(CLI::App& cmd, JobArgs& a) {
  cmd.add_option("--model", a.model, "Model id (64 hex digits; `ghost query models` lists them)")->required();
  cmd.add_option("--max-fee", a.max_fee,
                 "Credits escrowed for the job (default: the cheapest serving worker's price); the worker's price is paid, the rest returned");
  cmd.add_option("--deadline", a.deadline,
                 "Blocks after the current height by which a worker must answer, else the job is refunded (2 to the "
                 "chain's job_deadline_blocks; default that many after the request's block)");
  cmd.add_option("--timeout", a.timeout_s, "Seconds to wait for the job's answer or refund")->capture_default_str();
  cmd.add_flag("--async", a.async, "Print the job id once the request is in a block, without waiting for the answer");
  cmd.add_option("--proof-out", a.proof_out, "Write the proof that was checked to this file (`ghost proof verify` reads it)");
  cmd.add_option("--node", a.nodes,
                 "Node API URL (default $GHOST_NODE, else http://127.0.0.1:26601); twice or more: the model's roots are "
                 "read from each and must agree");
  cmd.add_flag("--json", a.json, "Print the result as JSON");
  add_tx_options(cmd, a.tx, TxOptions::signing);
  cmd.footer(kExitCodesHelp);
}

JobPlan plan_job(JobArgs& a) {
  if (a.nodes.empty()) a.nodes.push_back(node_url(""));
  a.tx.node = a.nodes[0];
  a.tx.json = a.json;
  const Hash32 id = parse_model_id(a.model, "--model");
  JobPlan p;
  p.model = chain_model(a.nodes, id);
  NodeClient node(a.nodes[0]);
  const json::value status = node.fetch("/status");
  from_api_json(status.at("params"), p.params, "params");
  if (a.deadline) {
    if (a.deadline < 2 || a.deadline > p.params.job_deadline_blocks())
      fail_with(kExitUsage, "--deadline must be 2 to " + std::to_string(p.params.job_deadline_blocks()) +
                                " blocks (the chain's job_deadline_blocks)");
    p.deadline = json_u64(status.at("height")) + a.deadline;
  }
  // Eligible as the chain assigns (docs/protocol.md §4.8): serves the model, not jailed, bonded enough.
  const std::string model_bytes(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  std::optional<uint64_t> cheapest;
  const json::value workers = node.fetch("/workers");
  for (const auto& w : workers.at("workers").as_array()) {
    pb::StakeInfo s;
    from_api_json(w, s, "a worker stake");
    if (s.jailed() || s.bonded() < p.params.min_stake_worker()) continue;
    if (std::ranges::find(s.models(), model_bytes) == s.models().end()) continue;
    if (!cheapest || s.price() < *cheapest) cheapest = s.price();
  }
  const uint64_t floor = p.model.info.ghost_file().price_floor();
  if (!cheapest)
    fail_with(kExitRejected, "no worker serves model " + id.hex() + " (not paying for a request no one can take; "
                             "`ghost worker status` lists the workers)");
  p.max_fee = a.max_fee.empty() ? std::max(*cheapest, floor) : parse_credits(a.max_fee, "--max-fee");
  if (p.max_fee < floor)
    fail_with(kExitUsage, "--max-fee " + a.max_fee + " is below the model's price floor of " + format_credits(floor) + " credits");
  if (p.max_fee < *cheapest)
    fail_with(kExitRejected, "no worker serves model " + id.hex() + " within --max-fee " + a.max_fee +
                                 " (the cheapest asks " + format_credits(*cheapest) + " credits)");
  return p;
}

Submitted submit_job(const JobArgs& a, const pb::TxBody& request, const std::string& what) {
  auto s = submit(a.tx, request);
  require_ok(*s, what);
  return *s;
}

void print_requested(const JobArgs& a, const Submitted& s) {
  if (a.json) std::cout << json::serialize(json::object{{"job_id", s.id}, {"height", s.height}, {"status", "ASSIGNED"}}) << "\n";
  else std::cout << "job " << s.id << " requested at height " << s.height << " (follow it with `ghost query job " << s.id << "`)\n";
}

pb::Job wait_for_job(const JobArgs& a, const std::string& job_id) {
  NodeClient node(a.nodes[0]);
  // Woken by the block that carries the job's result; polls when the node offers no stream.
  auto events = EventStream::open(node, {"job:" + job_id});
  Progress progress;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(a.timeout_s * 1000));
  for (;;) {
    pb::Job job;
    from_api_json(node.fetch("/jobs/" + job_id), job, "a job");
    if (job.status() != pb::ASSIGNED) {
      progress.done();
      return job;
    }
    const uint64_t height = json_u64(node.fetch("/status").at("height"));
    const std::string worker = address_text(job.worker());
    progress.show("job " + job_id.substr(0, 16) + "... assigned to " + worker + ", answer due by height " +
                      std::to_string(job.deadline()),
                  " (now " + std::to_string(height) + ")");
    if (std::chrono::steady_clock::now() > end) {
      progress.done();
      fail_with(kExitTimeout, "job " + job_id + " is still open at height " + std::to_string(height) + " (deadline " +
                                  std::to_string(job.deadline()) + ") after " + std::to_string(int(a.timeout_s)) +
                                  " s; follow it with `ghost query job " + job_id + "`");
    }
    if (events) events->wait(std::chrono::seconds(1));
    else std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

JobResult read_result(const JobArgs& a, const std::string& job_id) {
  NodeClient node(a.nodes[0]);
  auto r = node.get("/jobs/" + job_id + "/result");
  if (r.status != 200) fail_with(kExitUnreachable, "cannot read the result of job " + job_id + ": " + api_error(r));
  JobResult out;
  out.tx_id = r.body.at("tx_id").as_string();
  out.height = json_u64(r.body.at("height"));
  auto hex = [&](const char* field) {
    return need(from_hex(std::string(r.body.at(field).as_string())), std::string("the result's ") + field, kExitUnreachable);
  };
  out.output = hex("output");
  out.proof = hex("proof");
  return out;
}

json::object fee_json(const Submitted& request, const pb::Job& job) {
  return json::object{{"tx_fee", request.fee_paid}, {"max_fee", job.max_fee()}, {"price", job.price()}};
}

void print_fee(const Submitted& request, const pb::Job& job, const pb::Params& params) {
  std::cout << "fee:       " << format_credits(job.price()) << " credits to the worker (escrowed "
            << format_credits(job.max_fee()) << ", " << format_credits(job.max_fee() - job.price())
            << " returned at settlement, height " << job.answered_height() + params.challenge_blocks() << ") + "
            << format_credits(request.fee_paid) << " tx fee\n";
}

void refunded(const JobArgs& a, const Submitted& request, const pb::Job& job) {
  const std::string id = to_hex(as_bytes(job.job_id()));
  const std::string why = job.status() == pb::REFUNDED    ? "no worker answered by its deadline (height " + std::to_string(job.deadline()) + ")"
                          : job.status() == pb::CHALLENGED ? "its answer was proven wrong by a challenge; the worker was penalized"
                          : job.status() == pb::ROLLED_BACK ? "the training step it built on was proven wrong"
                                                            : "it ended " + pb::JobStatus_Name(job.status());
  if (a.json) {
    json::object o{{"job_id", id}, {"status", pb::JobStatus_Name(job.status())}, {"closed_height", job.closed_height()},
                   {"fee", fee_json(request, job)}, {"refunded", true}};
    std::cout << json::serialize(o) << "\n";
  }
  fail_with(kExitRefunded, "job " + id + " was refunded at height " + std::to_string(job.closed_height()) + ": " + why +
                               "; the escrow came back with what the worker's stake paid for it (the " +
                               format_credits(request.fee_paid) + " credit tx fee was spent)");
}

}  // namespace ghost::cli
