// `ghost proof verify FILE`: checks a saved ghost proof (or with --train a training proof)
// offline against a ghost file's roots, or against the roots a chain records for the proof's
// model version, with the verifier every node runs.
#include <iostream>

#include "base/file.h"
#include "ml/serve/ghost_file_io.h"
#include "node/cli/chain_model.h"
#include "node/cli/cli.h"
#include "node/cli/model.h"
#include "node/cli/node_client.h"
#include "node/cli/print.h"
#include "node/cli/proof_check.h"
#include "proto/decode.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;

struct Args {
  std::string file, ghost_file, model;
  std::vector<std::string> nodes;
  bool train = false, json = false;
};

// The model id and version a proof names, read before it is checked to know which roots to fetch.
std::pair<Hash32, uint64_t> named_version(const Bytes& bytes, bool train) {
  pb::GhostProof forward;
  if (train) {
    auto p = pb::decode_as<pb::TrainProof>(bytes);
    if (!p) fail_with(kExitUnverified, "not a training proof: " + p.error().message);
    forward = p->forward();
  } else {
    auto p = pb::decode_as<pb::GhostProof>(bytes, ml::kMaxGhostProofBytes);
    if (!p) fail_with(kExitUnverified, "not a ghost proof: " + p.error().message);
    forward = *p;
  }
  if (forward.model_id().size() != 32) fail_with(kExitUnverified, "the proof names no model id (32 bytes)");
  return {Hash32::from_span(as_bytes(forward.model_id())), forward.version()};
}

// The version to check against, its ghost file, and where its roots came from.
struct Roots {
  ml::ModelVersion version;
  pb::GhostFile file;
  std::string source;
};

Roots roots_for(const Args& a, const Bytes& bytes) {
  const auto [id, version] = named_version(bytes, a.train);
  if (!a.ghost_file.empty()) {
    const auto path = ghost_file_path(a.ghost_file);
    const pb::GhostFile gf = need(ml::load_ghost_file(path), "cannot read the ghost file " + path.string());
    if (version != 0)
      fail_with(kExitUsage, "the proof is against version " + std::to_string(version) +
                                " and a ghost file holds version 0's roots only: give --model ID --node URL");
    return {need(ml::model_version(gf), "ghost file " + path.string()), gf, "ghost file " + path.string()};
  }
  const Hash32 want = parse_model_id(a.model, "--model");
  if (want != id) fail_with(kExitUnverified, "the proof is for model " + id.hex() + ", not " + want.hex());
  std::vector<std::string> nodes = a.nodes;
  if (nodes.empty()) nodes.push_back(node_url(""));
  ChainModel m = chain_model(nodes, id, version);
  return {std::move(m.version), m.info.ghost_file(),
          nodes.size() > 1 ? std::to_string(nodes.size()) + " nodes that agree" : "the node at " + nodes[0]};
}

void verify(const Args& a) {
  if (a.ghost_file.empty() && a.model.empty()) fail_with(kExitUsage, "give --ghost-file F or --model ID (with --node URL)");
  const Bytes bytes = need(read_file(a.file), "cannot read proof file");
  const Roots roots = roots_for(a, bytes);
  const ml::ModelVersion& version = roots.version;
  const std::string& source = roots.source;
  json::object o{{"model_id", version.model_id.hex()}, {"version", version.version}, {"roots_from", source},
                 {"bytes", bytes.size()}};
  std::string error;
  const bool fashion = is_fashion_model(version.layers);
  if (a.train) {
    const TrainCheck c = check_train_proof(bytes, version);
    error = c.error;
    if (c.ok()) {
      o["new_version"] = version.version + 1;
      o["new_roots"] = roots_json(roots.file, c.verified->roots);
    }
  } else {
    const ProofCheck c = check_ghost_proof(bytes, version);
    error = c.error;
    if (c.ok()) {
      for (auto& [k, v] : answer_json(c.verified->output(), fashion)) o[k] = v;
      json::array selected;
      for (const auto& l : c.verified->layers) selected.push_back(json::value_from(l.pass.selected));
      o["selected"] = std::move(selected);
    }
  }
  o["verified"] = error.empty();
  o["error"] = error;
  if (a.json) {
    std::cout << json::serialize(o) << "\n";
  } else {
    std::cout << "model:     " << version.model_id.hex() << " version " << version.version << "\nroots:     from "
              << source << "\n";
    if (error.empty() && !a.train) print_answer(json::value_to<std::vector<float>>(o.at("output")), fashion);
    if (error.empty() && a.train)
      for (const auto& [name, root] : o.at("new_roots").as_object())
        std::cout << "new root:  " << std::string(name) << "  " << root.as_string().c_str() << " (version "
                  << version.version + 1 << ")\n";
    std::cout << "verified:  " << (error.empty() ? "ok" : "FAILED: " + error) << "\n";
  }
  if (!error.empty()) fail_with(kExitUnverified, a.file + " does not verify: " + error);
}

void proof_group(CLI::App& app) {
  CLI::App* proof = app.add_subcommand("proof", "Check saved proofs offline");
  proof->require_subcommand(1);
  auto a = std::make_shared<Args>();
  CLI::App* cmd = proof->add_subcommand(
      "verify", "Check a ghost proof (`ghost infer --proof-out`, `ghost model infer --proof-out`) against a model's roots");
  cmd->add_option("FILE", a->file, "The proof (its wire encoding)")->required();
  auto* gf = cmd->add_option("--ghost-file", a->ghost_file, "Check against this ghost file's roots (version 0), or a model directory's");
  auto* model = cmd->add_option("--model", a->model, "Check against the roots the chain records for this model at the proof's version");
  gf->excludes(model);
  cmd->add_option("--node", a->nodes, "Node API URL for --model (default $GHOST_NODE, else http://127.0.0.1:26601); "
                                      "twice or more: the roots must agree")
      ->excludes(gf);
  cmd->add_flag("--train", a->train, "FILE is a training proof (`ghost train --proof-out`): print the roots it implies");
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->footer(kExitCodesHelp);
  cmd->callback([a] { verify(*a); });
}

}  // namespace

GHOST_CLI_GROUP(proof_group);

}  // namespace ghost::cli
