// `ghost train`: pays a worker for one training step of a registered model's last layer,
// waits for it, checks the training proof here against the roots of the version it started
// from, and requires the chain's next version to carry exactly the roots that proof implies.
#include <cmath>
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

void add_train(CLI::App& app) {
  struct Args {
    JobArgs job;
    InputArgs input;
    TargetArgs target;
    float lr = 0.1f;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Pay a worker for a training step of a model you may train; its proof and the new roots are checked here");
  add_input_options(*cmd, a->input);
  add_target_options(*cmd, a->target);
  cmd->add_option("--lr", a->lr, "Learning rate (finite, above 0)")->capture_default_str();
  add_job_options(*cmd, a->job);
  cmd->callback([a] {
    JobArgs& ja = a->job;
    if (!std::isfinite(a->lr) || a->lr <= 0) fail_with(kExitUsage, "--lr must be finite and above 0");
    const JobPlan plan = plan_job(ja);
    const ModelInput in = read_input(a->input, plan.model.version.layers);
    const Bytes target = read_target(a->target, plan.model.version.layers);
    pb::TxBody body;
    auto* r = body.mutable_train_request();
    r->set_model_id(plan.model.info.model_id());
    r->set_input(in.bytes.data(), in.bytes.size());
    r->set_target(target.data(), target.size());
    r->set_lr(a->lr);
    r->set_max_fee(plan.max_fee);
    r->set_deadline(plan.deadline);
    const Submitted req = submit_job(ja, body, "the training request");
    if (ja.async) return print_requested(ja, req);

    const pb::Job job = wait_for_job(ja, req.id);
    if (job.status() != pb::ANSWERED && job.status() != pb::SETTLED) refunded(ja, req, job);
    const JobResult res = read_result(ja, req.id);
    const Hash32& id = plan.model.version.model_id;
    const ChainModel from = chain_model(ja.nodes, id, job.version());
    const TrainCheck check = check_train_proof(res.proof, from.version, &in.bytes, &target, a->lr);
    if (!ja.proof_out.empty()) need(write_file_atomic(ja.proof_out, res.proof), "cannot write --proof-out");
    std::string error = check.error;
    std::vector<Hash32> chain_roots;
    if (check.ok()) {
      chain_roots = chain_model(ja.nodes, id, job.version() + 1).version.roots;
      if (chain_roots != check.verified->roots)
        error = "the chain records other roots for version " + std::to_string(job.version() + 1) + " than the proof implies";
    }
    const bool ok = error.empty();
    const pb::GhostFile& file = plan.model.info.ghost_file();
    json::object o{{"job_id", req.id},
                   {"model_id", id.hex()},
                   {"version", job.version()},
                   {"new_version", job.version() + 1},
                   {"worker", address_text(job.worker())},
                   {"status", pb::JobStatus_Name(job.status())},
                   {"answered_height", job.answered_height()},
                   {"result_tx", res.tx_id},
                   {"fee", fee_json(req, job)},
                   {"proof", json::object{{"verified", ok}, {"bytes", res.proof.size()}, {"nodes", json::value_from(from.nodes)},
                                          {"error", error}}}};
    if (ok) o["new_roots"] = roots_json(file, check.verified->roots);
    if (ja.json) {
      std::cout << json::serialize(o) << "\n";
    } else {
      std::cout << "job:       " << req.id << "\n           answered at height " << job.answered_height() << " by "
                << address_text(job.worker()) << " (tx " << res.tx_id << ")\nmodel:     " << id.hex() << " version "
                << job.version() << " -> " << job.version() + 1 << "\n";
      if (ok)
        for (const auto& [name, root] : o["new_roots"].as_object())
          std::cout << "new root:  " << std::string(name) << "  " << root.as_string().c_str() << "\n";
      print_fee(req, job, plan.params);
      std::cout << "proof:     " << (ok ? "verified here" : "FAILED here: " + error) << " against the roots of version "
                << job.version() << (from.nodes.size() > 1 ? " (the same on " + std::to_string(from.nodes.size()) + " nodes)" : "")
                << ", " << res.proof.size() << " bytes\n";
      if (!ja.proof_out.empty()) std::cout << "saved:     " << ja.proof_out << "\n";
    }
    if (!ok)
      fail_with(kExitUnverified, "the worker's training proof of job " + req.id + " does not verify here (" + error +
                                     "), although the chain accepted it: do not build on version " +
                                     std::to_string(job.version() + 1));
  });
}

}  // namespace

GHOST_CLI_GROUP(add_train);

}  // namespace ghost::cli
