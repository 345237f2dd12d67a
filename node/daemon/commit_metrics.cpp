#include "node/daemon/commit_metrics.h"


namespace ghost::daemon {

namespace {

std::string kind_of(const pb::TxBody& body) {
  const auto* field = pb::TxBody::descriptor()->FindFieldByNumber(int(body.kind_case()));
  return field ? field->name() : "unknown";
}

}  // namespace

void count_committed(const chain::Applied& a, metrics::Registry& m) {
  for (int i = 0; i < a.block.txs_size(); ++i) {
    const pb::Receipt& r = a.results.receipts(i);
    pb::TxBody scratch;
    const chain::AppliedTx tx = chain::applied_tx(a, size_t(i), scratch);
    const std::string kind = tx.body ? kind_of(*tx.body) : "undecodable";
    m.counter("ghost_txs_executed_total", "Committed txs by kind and receipt status",
              {{"kind", kind}, {"status", pb::TxCode_Name(r.status())}})
        .inc();
    if (r.status() != pb::OK) continue;
    if (kind == "inference_request" || kind == "train_request")
      m.counter("ghost_jobs_requested_total", "Jobs assigned to a worker", {{"kind", kind}}).inc();
    else if (kind == "inference_result" || kind == "train_result")
      m.counter("ghost_jobs_answered_total", "Jobs answered with a result that verified", {{"kind", kind}}).inc();
    else if (kind == "evidence")
      m.counter("ghost_slashes_total", "Stakes slashed", {{"reason", "double_sign"}}).inc();
    else if (kind == "challenge")
      m.counter("ghost_slashes_total", "Stakes slashed", {{"reason", "challenge"}}).inc();
  }
}

}  // namespace ghost::daemon
