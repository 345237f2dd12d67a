#include "node/cli/submit.h"

#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "consensus/ledger/tx.h"
#include "crypto/keystore.h"
#include "node/cli/cli.h"
#include "node/cli/keyring.h"
#include "node/cli/node_client.h"
#include "proto/decode.h"

namespace ghost::cli {

namespace json = boost::json;

void add_tx_options(CLI::App& cmd, TxArgs& a, TxOptions which) {
  cmd.add_option("--from", a.from, "Signing key: a name in the keyring, or a keystore file")->required();
  cmd.add_option("--keyring", a.keyring, "Keyring folder (default $GHOST_KEYRING, else ~/.ghost/keyring)");
  cmd.add_option("--passphrase-file", a.passphrase_file, "Passphrase of an encrypted key (- for stdin; else $GHOST_PASSPHRASE)");
  cmd.add_option("--chain-id", a.chain_id, "Refuse to sign unless the node serves this chain");
  cmd.add_option("--fee", a.fee, "Fee in credits (default: the minimum for this tx)");
  cmd.add_option("--nonce", a.nonce, "Nonce (default: the account's next, from the node)");
  if (which == TxOptions::signing) return;
  cmd.add_option("--node", a.node, "Node API URL (default $GHOST_NODE, else http://127.0.0.1:26601)");
  cmd.add_flag("--async", a.async, "Return once the node received the tx, without waiting for a block");
  cmd.add_flag("--sign-only", a.sign_only, "Print the signed tx (hex) instead of submitting it")->excludes("--async");
  cmd.add_option("--timeout", a.timeout_s, "Seconds to wait for the commit")->capture_default_str();
  cmd.add_flag("--json", a.json, "Print the result as JSON");
}

std::optional<Submitted> submit(const TxArgs& a, const pb::TxBody& body) {
  return submit(a, [&](const Address&) { return body; });
}

std::optional<Submitted> submit(const TxArgs& a, const std::function<pb::TxBody(const Address& sender)>& body_for) {
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

  pb::TxEnvelope env = ledger::make_tx(key, chain, nonce, body_for(sender), params);
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
  Submitted out;
  out.id = ledger::tx_id(raw).hex();
  if (a.sign_only) {
    if (a.json) std::cout << json::serialize(json::object{{"id", out.id}, {"tx", to_hex(raw)}}) << "\n";
    else std::cout << to_hex(raw) << "\n";
    return std::nullopt;
  }
  const auto timeout_ms = uint64_t(a.timeout_s * 1000);
  const std::string target = std::string("/txs?mode=") + (a.async ? "async" : "commit") + "&timeout_ms=" + std::to_string(timeout_ms);
  if (!a.async) std::cerr << "submitted tx " << out.id << ", waiting for a block..." << std::endl;
  auto r = node.post(target, json::serialize(json::object{{"tx", to_hex(raw)}}),
                     std::chrono::milliseconds(timeout_ms + 10000));
  if (r.status == 504) fail_with(kExitTimeout, "tx " + out.id + " was not committed within " + std::to_string(a.timeout_s) + " s (it may still be)");
  if (r.status == 400 || r.status == 409 || r.status == 503) fail_with(kExitRejected, "tx " + out.id + " rejected: " + api_error(r));
  if (r.status != 200 && r.status != 202) fail_with(kExitUnreachable, api_error(r));
  out.answer = r.body.as_object();
  if (a.async) return out;
  const json::object& receipt = out.answer.at("receipt").as_object();
  out.committed = true;
  out.height = json_u64(out.answer.at("height"));
  out.status = receipt.at("status").as_string();
  out.reason = receipt.at("reason").as_string();
  out.fee_paid = json_u64(receipt.at("fee_paid"));
  return out;
}

void require_ok(const Submitted& s, const std::string& what) {
  if (s.committed && s.status != "OK")
    fail_with(kExitRejected, what + " (tx " + s.id + ") failed in block " + std::to_string(s.height) + ": " + s.status +
                                 (s.reason.empty() ? "" : " (" + s.reason + ")"));
}

void report(const TxArgs& a, const std::optional<Submitted>& s) {
  if (!s) return;
  if (!s->committed) {
    if (a.json) std::cout << json::serialize(s->answer) << "\n";
    else std::cout << "tx " << s->id << " received by the node (not waiting for a block)\n";
    return;
  }
  if (a.json) {
    std::cout << json::serialize(s->answer) << "\n";
  } else {
    std::cout << "tx      " << s->id << "\nheight  " << s->height << "\nstatus  " << s->status << "\nfee     "
              << format_credits(s->fee_paid) << " credits\n";
    if (s->status != "OK") std::cout << "reason  " << s->reason << "\n";
  }
  if (s->status != "OK") fail_with(kExitRejected, "tx " + s->id + " failed in block " + std::to_string(s->height) + ": " + s->status);
}

}  // namespace ghost::cli
