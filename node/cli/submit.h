// Submitting a signed tx and waiting for its block: what every `ghost` command that changes
// the chain shares (`ghost tx ...`, `ghost model register`, `ghost worker register`,
// `ghost infer`, `ghost train`). Nonce and minimum fee come from the node.
#pragma once

#include <CLI/CLI.hpp>

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>

#include "crypto/keys.h"
#include "proto/tx.pb.h"

namespace ghost::cli {

struct TxArgs {
  std::string from, keyring, passphrase_file, node, chain_id, fee;
  int64_t nonce = -1;
  bool async = false, sign_only = false, json = false;
  double timeout_s = 30;
};

// Which of the options a command takes: signing (--from, --keyring, --passphrase-file,
// --chain-id, --fee, --nonce) always; --node, --async, --sign-only, --timeout and --json
// unless the command defines its own (a job command waits for more than the block).
enum class TxOptions { all, signing };
void add_tx_options(CLI::App& cmd, TxArgs& a, TxOptions which = TxOptions::all);

// A tx the node received: its id, and once committed its block and receipt.
struct Submitted {
  std::string id;
  bool committed = false;          // false with --async (only received)
  uint64_t height = 0;
  std::string status;              // the receipt's code ("OK", "NO_WORKER", ...)
  std::string reason;
  uint64_t fee_paid = 0;
  boost::json::object answer;      // the node's answer to POST /txs
};

// Signs `body` with --from and submits it (waiting for the block unless --async). Returns
// nothing for --sign-only (the signed tx was printed). A refusal before the block exits
// kExitRejected, a timeout kExitTimeout; a receipt that is not OK is returned as it is.
std::optional<Submitted> submit(const TxArgs& a, const pb::TxBody& body);
// The same for a body that depends on the signer (a ghost file names its owner): the key is
// loaded (and its passphrase read) once.
std::optional<Submitted> submit(const TxArgs& a, const std::function<pb::TxBody(const Address& sender)>& body_for);

// What `ghost tx ...` prints of a submitted tx (its receipt, or that it was received); a
// receipt that is not OK then exits kExitRejected.
void report(const TxArgs& a, const std::optional<Submitted>& s);

// A committed receipt that is not OK exits kExitRejected, naming what was submitted.
void require_ok(const Submitted& s, const std::string& what);

}  // namespace ghost::cli
