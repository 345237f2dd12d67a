// The node's HTTP API on the RPC server: queries of the committed chain (answered on the
// core thread), tx submission, /metrics, and the events /subscribe streams. Bodies are
// protobuf's JSON mapping of the wire and state types (bytes in base64), with ids, hashes
// and addresses added in hex where people look them up.
//
//   GET  /                        the explorer page (node/explorer)
//   GET  /status                  chain, height, latest block, peers, sync state
//   GET  /blocks/{height|latest}  block, hash, results (receipts, app hash); ?summary=1: counts only
//   GET  /blocks?limit=N          the latest N block summaries, newest first (N <= 100, default 20)
//   GET  /txs/{id}                the tx, where it is, its receipt
//   POST /txs?mode=async|sync|commit[&timeout_ms=N]   body {"tx": HEX} or the raw tx bytes
//   GET  /accounts/{address}      balance and nonce
//   GET  /validators              the current set with powers, and every validator stake
//   GET  /workers                 worker stakes
//   GET  /workers/{address}       one worker stake with its open jobs and pending pay
//   GET  /models, /models/{id}    registered models with their current roots; ?version=V: that version's
//   GET  /jobs/{id}               one job
//   GET  /jobs/{id}/result        its output and proof, as its result tx carried them
//   GET  /jobs?limit=N            the N latest requested jobs without inputs, outputs and proofs,
//                                 the total and the count per status
//   GET  /metrics                 Prometheus text
//   WS   /subscribe               topics "blocks", "account:ADDRESS", "job:ID"
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <functional>

#include "node/chain/chain.h"
#include "node/daemon/tx_service.h"
#include "node/rpc/server.h"

namespace ghost::daemon {

// The tx in a POST /txs body: {"tx": "HEX"}, or the raw tx bytes.
Result<Bytes> tx_from_body(std::string_view body);

// The body of GET /jobs: `total`, `counts` per status, and the `limit` latest requested jobs
// (then by id, descending) without their inputs, outputs and proofs.
boost::json::object job_list(std::vector<pb::Job> jobs, size_t limit);

// Facts about the running node that /status reports besides the chain.
struct NodeFacts {
  std::string moniker;
  std::string node_key;                      // hex
  std::optional<PublicKey> validator;        // when it signs
  std::function<size_t()> peers;             // connected peers (any thread)
  std::function<uint64_t()> best_peer_height;  // core thread
};

class Api {
 public:
  Api(boost::asio::io_context& core, rpc::Server& server, chain::Chain& chain, mempool::Mempool& mempool,
      TxService& txs, metrics::Registry& metrics, NodeFacts facts);

  // Core thread: streams the block and its txs to subscribers.
  void publish_commit(const chain::Applied& applied);

 private:
  // Runs `query` on the core thread and replies with its response.
  void on_core(rpc::Reply reply, std::function<rpc::Response()> query);
  void submit(const rpc::Request& req, rpc::Reply reply);

  boost::asio::io_context& core_;
  rpc::Server& server_;
  chain::Chain& chain_;
  mempool::Mempool& mempool_;
  TxService& txs_;
  metrics::Registry& metrics_;
  NodeFacts facts_;
  std::optional<std::pair<uint64_t, boost::json::object>> jobs_;  // GET /jobs at a height (core thread)
};

}  // namespace ghost::daemon
