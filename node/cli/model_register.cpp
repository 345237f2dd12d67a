#include "node/cli/model.h"

#include <iostream>

#include "ml/serve/ghost_file_io.h"
#include "node/cli/cli.h"
#include "node/cli/keyring.h"
#include "node/cli/submit.h"

namespace ghost::cli {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path ghost_file_path(const std::string& dir_or_file) {
  fs::path p = dir_or_file;
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= kGhostFileName;
  return p;
}

namespace {

pb::UpdatePolicy parse_policy(const std::string& p) {
  if (p == "owner-only") return pb::OWNER_ONLY;
  if (p == "frozen") return pb::FROZEN;
  fail_with(kExitUsage, "--policy must be owner-only or frozen");
}

}  // namespace

void add_register(CLI::App& model) {
  struct Args {
    std::string path, price_floor, policy;
    TxArgs tx;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = model.add_subcommand(
      "register", "Register a model's ghost file on chain, owned by --from (the file is rewritten with that owner)");
  cmd->add_option("DIR|FILE", a->path, "A model directory (its model.ghost), or a .ghost file")->required();
  cmd->add_option("--price-floor", a->price_floor, "The least max fee a job on the model may offer, in credits (default: the file's)");
  cmd->add_option("--policy", a->policy, "Who may train it: owner-only or frozen (default: the file's)");
  add_tx_options(*cmd, a->tx);
  cmd->footer(kExitCodesHelp);
  cmd->callback([a] {
    const fs::path path = ghost_file_path(a->path);
    pb::GhostFile file = need(ml::load_ghost_file(path), "cannot read the ghost file " + path.string() +
                                                             " (build a model with `ghost model build ... --out DIR`)");
    if (!a->price_floor.empty()) file.set_price_floor(parse_credits(a->price_floor, "--price-floor"));
    if (!a->policy.empty()) file.set_update_policy(parse_policy(a->policy));
    Hash32 id{};
    auto s = submit(a->tx, [&](const Address& sender) {
      const std::string signer(sender.bytes.begin(), sender.bytes.end());
      if (!file.owner().empty() && file.owner() != signer)
        fail_with(kExitUsage, path.string() + " is owned by " +
                                  need(Address::from_bytes(as_bytes(file.owner())), "owner").str() + ", not " + sender.str() +
                                  ": sign with the owner's key (the owner is part of the model id)");
      file.set_owner(sender.bytes.data(), sender.bytes.size());
      need(ml::save_ghost_file(path, file), "cannot rewrite " + path.string() + " with its owner");
      id = ml::model_id(file);
      pb::TxBody body;
      *body.mutable_register_model()->mutable_ghost_file() = file;
      return body;
    });
    if (!s) return;  // --sign-only printed the tx
    if (a->tx.json) {
      json::object o = s->answer;
      o["model_id"] = id.hex();
      o["ghost_file"] = path.string();
      std::cout << json::serialize(o) << "\n";
      require_ok(*s, "registering model " + id.hex());
      return;
    }
    std::cout << "model id " << id.hex() << "\nghost file " << path.string() << " (owner set to the signer)\n";
    report(a->tx, s);
  });
}

}  // namespace ghost::cli
