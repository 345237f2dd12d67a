// `ghost tx send|stake|unstake|unjail`: build, sign and submit a tx, fill in nonce and fee
// from the node, and by default wait until a block includes it, then print its receipt.
#include "consensus/ledger/params.h"
#include "node/cli/cli.h"
#include "node/cli/keyring.h"
#include "node/cli/submit.h"
#include "node/cli/worker.h"

namespace ghost::cli {
namespace {

void add_send(CLI::App& tx) {
  auto a = std::make_shared<TxArgs>();
  auto to = std::make_shared<std::string>();
  auto amount = std::make_shared<std::string>();
  CLI::App* cmd = tx.add_subcommand("send", "Transfer credits");
  cmd->add_option("--to", *to, "Recipient: an address, or a key name in the keyring")->required();
  cmd->add_option("--amount", *amount, "Credits to send (e.g. 12 or 0.5)")->required();
  add_tx_options(*cmd, *a);
  cmd->callback([a, to, amount] {
    pb::TxBody body;
    Address dest = address_or_key(*to, a->keyring);
    body.mutable_transfer()->set_to(dest.bytes.data(), dest.bytes.size());
    body.mutable_transfer()->set_amount(parse_credits(*amount, "--amount"));
    if (body.transfer().amount() == 0) fail_with(kExitUsage, "--amount must be above zero");
    report(*a, submit(*a, body));
  });
}

pb::StakeRole parse_role(const std::string& r) {
  if (r == "validator") return pb::VALIDATOR;
  if (r == "worker") return pb::WORKER;
  fail_with(kExitUsage, "--role must be validator or worker");
}

void add_stake(CLI::App& tx) {
  auto a = std::make_shared<TxArgs>();
  struct S {
    std::string role = "validator", amount, consensus_key, endpoint, price = "0";
    std::vector<std::string> models;
    uint32_t capacity = ledger::kDefaultWorkerCapacity;
  };
  auto s = std::make_shared<S>();
  CLI::App* cmd = tx.add_subcommand("stake", "Bond credits as a validator or a worker");
  cmd->add_option("--role", s->role, "validator or worker")->capture_default_str();
  cmd->add_option("--amount", s->amount, "Credits to bond")->required();
  cmd->add_option("--consensus-key", s->consensus_key, "Validators: the consensus public key (hex) that signs votes");
  cmd->add_option("--endpoint", s->endpoint, "Workers: where clients reach the worker");
  cmd->add_option("--models,--model", s->models, "Workers: model ids served (ID,ID,... or repeated)")->delimiter(',');
  cmd->add_option("--price", s->price, "Workers: credits per job")->capture_default_str();
  add_capacity_option(*cmd, s->capacity);
  add_tx_options(*cmd, *a);
  cmd->callback([a, s] {
    pb::TxBody body;
    auto* st = body.mutable_stake();
    st->set_role(parse_role(s->role));
    st->set_amount(parse_credits(s->amount, "--amount"));
    if (st->role() == pb::VALIDATOR) {
      auto k = PublicKey::from_hex(s->consensus_key);
      if (!k) fail_with(kExitUsage, "--consensus-key: " + k.error().message);
      st->set_consensus_pubkey(k->bytes.data(), 32);
    } else {
      set_worker_profile(*st, s->models, s->price, s->endpoint, s->capacity);
    }
    report(*a, submit(*a, body));
  });
}

void add_unstake(CLI::App& tx) {
  auto a = std::make_shared<TxArgs>();
  auto role = std::make_shared<std::string>("validator");
  auto amount = std::make_shared<std::string>();
  CLI::App* cmd = tx.add_subcommand("unstake", "Start unbonding credits (paid back after the unbonding period)");
  cmd->add_option("--role", *role, "validator or worker")->capture_default_str();
  cmd->add_option("--amount", *amount, "Credits to unbond")->required();
  add_tx_options(*cmd, *a);
  cmd->callback([a, role, amount] {
    pb::TxBody body;
    body.mutable_unstake()->set_role(parse_role(*role));
    body.mutable_unstake()->set_amount(parse_credits(*amount, "--amount"));
    report(*a, submit(*a, body));
  });
}

void add_unjail(CLI::App& tx) {
  auto a = std::make_shared<TxArgs>();
  auto role = std::make_shared<std::string>("validator");
  CLI::App* cmd = tx.add_subcommand("unjail", "Leave jail once the jail period is over");
  cmd->add_option("--role", *role, "validator or worker")->capture_default_str();
  add_tx_options(*cmd, *a);
  cmd->callback([a, role] {
    pb::TxBody body;
    body.mutable_unjail()->set_role(parse_role(*role));
    report(*a, submit(*a, body));
  });
}

void tx_group(CLI::App& app) {
  CLI::App* tx = app.add_subcommand("tx", "Sign and submit transactions");
  tx->require_subcommand(1);
  tx->footer(kExitCodesHelp);
  add_send(*tx);
  add_stake(*tx);
  add_unstake(*tx);
  add_unjail(*tx);
}

}  // namespace

GHOST_CLI_GROUP(tx_group);

}  // namespace ghost::cli
