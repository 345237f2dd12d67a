// `ghost infer`: pays a worker for one inference on a registered model, waits for the answer,
// and checks the answer's ghost proof here, against the roots of the model version the chain
// records: the worker is not trusted, and a proof that fails exits non-zero even though the
// chain accepted it.
#include <iostream>

#include "base/file.h"
#include "node/cli/cli.h"
#include "node/cli/job.h"
#include "node/cli/model_input.h"
#include "node/cli/print.h"
#include "node/cli/proof_check.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;

void add_infer(CLI::App& app) {
  struct Args {
    JobArgs job;
    InputArgs input;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "infer", "Pay a worker for an inference on a registered model; its ghost proof is checked here against the chain's roots");
  add_input_options(*cmd, a->input);
  add_job_options(*cmd, a->job);
  cmd->callback([a] {
    JobArgs& ja = a->job;
    const JobPlan plan = plan_job(ja);
    const ModelInput in = read_input(a->input, plan.model.version.layers);
    pb::TxBody body;
    auto* r = body.mutable_inference_request();
    r->set_model_id(plan.model.info.model_id());
    r->set_input(in.bytes.data(), in.bytes.size());
    r->set_max_fee(plan.max_fee);
    r->set_deadline(plan.deadline);
    const Submitted req = submit_job(ja, body, "the inference request");
    if (ja.async) return print_requested(ja, req);

    const pb::Job job = wait_for_job(ja, req.id);
    if (job.status() != pb::ANSWERED && job.status() != pb::SETTLED) refunded(ja, req, job);
    const JobResult res = read_result(ja, req.id);
    const ChainModel at = chain_model(ja.nodes, plan.model.version.model_id, job.version());
    const ProofCheck check = check_ghost_proof(res.proof, at.version, &in.bytes, &res.output);
    if (!ja.proof_out.empty()) need(write_file_atomic(ja.proof_out, res.proof), "cannot write --proof-out");
    const bool fashion = is_fashion_model(at.version.layers);
    const std::string worker = address_text(job.worker());

    json::object o{{"job_id", req.id},         {"model_id", at.version.model_id.hex()}, {"version", job.version()},
                   {"worker", worker},          {"status", pb::JobStatus_Name(job.status())},
                   {"answered_height", job.answered_height()}, {"result_tx", res.tx_id},
                   {"fee", fee_json(req, job)}};
    o["proof"] = json::object{{"verified", check.ok()}, {"bytes", res.proof.size()}, {"nodes", json::value_from(at.nodes)},
                              {"error", check.error}};
    if (check.ok()) {
      for (auto& [k, v] : answer_json(check.verified->output(), fashion)) o[k] = v;
      if (in.label) o["label"] = *in.label;
    }
    if (ja.json) {
      std::cout << json::serialize(o) << "\n";
    } else {
      std::cout << "job:       " << req.id << "\n           answered at height " << job.answered_height() << " by "
                << worker << " (tx " << res.tx_id << ")\nmodel:     " << at.version.model_id.hex() << " version "
                << job.version() << "\n";
      if (check.ok()) {
        print_answer(check.verified->output(), fashion);
        if (in.label) std::cout << "label:     " << fashion_class(*in.label) << " (class " << int(*in.label) << ")\n";
      }
      print_fee(req, job, plan.params);
      std::cout << "proof:     " << (check.ok() ? "verified here" : "FAILED here: " + check.error) << " against the roots of version "
                << job.version() << (at.nodes.size() > 1 ? " (the same on " + std::to_string(at.nodes.size()) + " nodes)" : "")
                << ", " << res.proof.size() << " bytes\n";
      if (!ja.proof_out.empty()) std::cout << "saved:     " << ja.proof_out << "\n";
    }
    if (!check.ok())
      fail_with(kExitUnverified, "the worker's proof of job " + req.id + " does not verify here (" + check.error +
                                     "), although the chain accepted it: do not use this answer");
  });
}

}  // namespace

GHOST_CLI_GROUP(add_infer);

}  // namespace ghost::cli
