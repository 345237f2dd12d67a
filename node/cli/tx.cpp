// `ghost tx send|stake|unstake|unjail`: build, sign and submit a tx, fill in nonce and fee
// from the node, and by default wait until a block includes it, then print its receipt.
#include <google/protobuf/util/json_util.h>

#include <boost/json.hpp>
#include <iostream>

#include "consensus/ledger/tx.h"
#include "crypto/keystore.h"
#include "node/cli/cli.h"
#include "node/cli/keyring.h"
#include "node/cli/node_client.h"
#include "proto/decode.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;

struct TxArgs {
  std::string from, keyring, passphrase_file, node, chain_id, fee;
  int64_t nonce = -1;
  bool async = false, sign_only = false, json = false;
  double timeout_s = 30;
};

void add_tx_options(CLI::App& cmd, TxArgs& a) {
  cmd.add_option("--from", a.from, "Signing key: a name in the keyring, or a keystore file")->required();
  cmd.add_option("--keyring", a.keyring, "Keyring folder (default $GHOST_KEYRING, else ~/.ghost/keyring)");
  cmd.add_option("--passphrase-file", a.passphrase_file, "Passphrase of an encrypted key (- for stdin; else $GHOST_PASSPHRASE)");
  cmd.add_option("--node", a.node, "Node API URL (default $GHOST_NODE, else http://127.0.0.1:26601)");
  cmd.add_option("--chain-id", a.chain_id, "Refuse to sign unless the node serves this chain");
  cmd.add_option("--fee", a.fee, "Fee in credits (default: the minimum for this tx)");
  cmd.add_option("--nonce", a.nonce, "Nonce (default: the account's next, from the node)");
  cmd.add_flag("--async", a.async, "Return once the node received the tx, without waiting for a block");
  cmd.add_flag("--sign-only", a.sign_only, "Print the signed tx (hex) instead of submitting it")->excludes("--async");
  cmd.add_option("--timeout", a.timeout_s, "Seconds to wait for the commit")->capture_default_str();
  cmd.add_flag("--json", a.json, "Print the result as JSON");
}

void submit(const TxArgs& a, const pb::TxBody& body) {
  NodeClient node(node_url(a.node));
  json::value status = node.fetch("/status");
  const std::string chain(status.at("chain_id").as_string());
  if (!a.chain_id.empty() && a.chain_id != chain)
    fail_with(kExitUnreachable, "the node at " + node.url() + " serves chain " + chain + ", not " + a.chain_id);
  pb::Params params;
  if (!google::protobuf::util::JsonStringToMessage(json::serialize(status.at("params")), &params).ok())
    fail_with(kExitUnreachable, "the node's /status has no readable params");
  const PrivateKey key = load_signing_key(a.from, a.keyring, a.passphrase_file);
  const Address sender = Address::of(key.public_key());
  uint64_t nonce = 0;
  if (a.nonce >= 0) nonce = uint64_t(a.nonce);
  else nonce = json_u64(node.fetch("/accounts/" + sender.str()).at("nonce"));

  pb::TxEnvelope env = ledger::make_tx(key, chain, nonce, body, params);
  if (!a.fee.empty()) {
    env.set_fee(parse_credits(a.fee, "--fee"));
    env.clear_signature();
    Signature s = key.sign(SignDomain::kTx, chain, ledger::envelope_signing_bytes(env));
    env.set_signature(s.bytes.data(), 64);
    const uint64_t floor = ledger::min_fee(params, pb::encode(env).size());
    if (env.fee() < floor)
      fail_with(kExitUsage, "--fee " + a.fee + " is below this tx's minimum of " + format_credits(floor) + " credits");
  }
  const Bytes raw = pb::encode(env);
  const std::string id = ledger::tx_id(raw).hex();
  if (a.sign_only) {
    if (a.json) std::cout << json::serialize(json::object{{"id", id}, {"tx", to_hex(raw)}}) << "\n";
    else std::cout << to_hex(raw) << "\n";
    return;
  }
  const auto timeout_ms = uint64_t(a.timeout_s * 1000);
  const std::string target = std::string("/txs?mode=") + (a.async ? "async" : "commit") + "&timeout_ms=" + std::to_string(timeout_ms);
  if (!a.async) std::cerr << "submitted tx " << id << ", waiting for a block..." << std::endl;
  auto r = node.post(target, json::serialize(json::object{{"tx", to_hex(raw)}}),
                     std::chrono::milliseconds(timeout_ms + 10000));
  if (r.status == 504) fail_with(kExitTimeout, "tx " + id + " was not committed within " + std::to_string(a.timeout_s) + " s (it may still be)");
  if (r.status == 400 || r.status == 409 || r.status == 503) fail_with(kExitRejected, "tx " + id + " rejected: " + api_error(r));
  if (r.status != 200 && r.status != 202) fail_with(kExitUnreachable, api_error(r));
  json::object out = r.body.as_object();
  if (a.async) {
    if (a.json) std::cout << json::serialize(out) << "\n";
    else std::cout << "tx " << id << " received by the node (not waiting for a block)\n";
    return;
  }
  const json::object& receipt = out.at("receipt").as_object();
  const std::string code(receipt.at("status").as_string());
  if (a.json) {
    std::cout << json::serialize(out) << "\n";
  } else {
    std::cout << "tx      " << id << "\nheight  " << json_u64(out.at("height")) << "\nstatus  " << code
              << "\nfee     " << format_credits(json_u64(receipt.at("fee_paid"))) << " credits\n";
    if (code != "OK") std::cout << "reason  " << receipt.at("reason").as_string().c_str() << "\n";
  }
  if (code != "OK") fail_with(kExitRejected, "tx " + id + " failed in block " + std::to_string(json_u64(out.at("height"))) + ": " + code);
}

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
    submit(*a, body);
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
  };
  auto s = std::make_shared<S>();
  CLI::App* cmd = tx.add_subcommand("stake", "Bond credits as a validator or a worker");
  cmd->add_option("--role", s->role, "validator or worker")->capture_default_str();
  cmd->add_option("--amount", s->amount, "Credits to bond")->required();
  cmd->add_option("--consensus-key", s->consensus_key, "Validators: the consensus public key (hex) that signs votes");
  cmd->add_option("--endpoint", s->endpoint, "Workers: where clients reach the worker");
  cmd->add_option("--model", s->models, "Workers: model id served (repeatable)");
  cmd->add_option("--price", s->price, "Workers: credits per job")->capture_default_str();
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
      st->set_endpoint(s->endpoint);
      st->set_price(parse_credits(s->price, "--price"));
      for (const auto& m : s->models) {
        auto id = from_hex(m);
        if (!id || id->size() != 32) fail_with(kExitUsage, "--model " + m + " is not a model id (64 hex digits)");
        st->add_models(std::string(id->begin(), id->end()));
      }
    }
    submit(*a, body);
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
    submit(*a, body);
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
    submit(*a, body);
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
