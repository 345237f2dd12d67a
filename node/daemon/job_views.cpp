#include "node/daemon/job_views.h"

#include <boost/json.hpp>

#include "consensus/ledger/params.h"
#include "consensus/ledger/tx.h"
#include "node/daemon/proto_json.h"
#include "proto/decode.h"

namespace ghost::daemon {

namespace json = boost::json;

json::object worker_view(const ledger::Ledger& ledger, const pb::StakeInfo& stake) {
  json::object o = proto_json(stake).as_object();
  if (auto a = Address::from_bytes(as_bytes(stake.operator_()))) o["address"] = a->str();
  json::array models;
  for (const auto& m : stake.models()) models.push_back(json::string(to_hex(as_bytes(m))));
  o["models_hex"] = std::move(models);
  uint64_t answered = 0, pending_pay = 0;
  for (const auto& j : ledger.jobs()) {
    if (j.worker() != stake.operator_()) continue;
    if (j.status() == pb::ANSWERED) {
      ++answered;
      pending_pay += j.price() - ledger::apply_ppm(j.price(), ledger.params().protocol_fee_share_ppm());
    }
  }
  o["open_jobs"] = stake.open_jobs();
  o["capacity"] = ledger::worker_capacity(stake);
  o["answered_jobs"] = answered;
  o["pending_pay"] = pending_pay;
  return o;
}

std::variant<json::object, NoView> job_result(const chain::BlockStore& blocks, const pb::Job& job) {
  const std::string id = to_hex(as_bytes(job.job_id()));
  if (job.answered_height() == 0)
    return NoView{404, "job " + id + " has no result (" + pb::JobStatus_Name(job.status()) + ")"};
  const auto block = blocks.block(job.answered_height());
  const auto results = blocks.results(job.answered_height());
  if (!block || !results) return NoView{404, "the block of job " + id + "'s result is not stored on this node"};
  // The block may also hold refused results for the job: the accepted one has an OK receipt.
  for (int i = 0; i < block->txs_size() && i < results->receipts_size(); ++i) {
    if (results->receipts(i).status() != pb::OK) continue;
    auto env = pb::decode_as<pb::TxEnvelope>(as_bytes(block->txs(i)));
    if (!env) continue;
    auto body = pb::decode_as<pb::TxBody>(as_bytes(env->body()));
    if (!body) continue;
    std::string output;
    Bytes proof;
    if (body->has_inference_result() && body->inference_result().job_id() == job.job_id()) {
      output = body->inference_result().output();
      proof = pb::encode(body->inference_result().proof());
    } else if (body->has_train_result() && body->train_result().job_id() == job.job_id()) {
      output = job.output();
      proof = pb::encode(body->train_result().proof());
    } else {
      continue;
    }
    return json::object{{"job_id", id},
                        {"kind", pb::JobKind_Name(job.kind())},
                        {"status", pb::JobStatus_Name(job.status())},
                        {"version", job.version()},
                        {"tx_id", ledger::tx_id(as_bytes(block->txs(i))).hex()},
                        {"height", job.answered_height()},
                        {"output", to_hex(as_bytes(output))},
                        {"proof", to_hex(proof)}};
  }
  return NoView{404, "no accepted result of job " + id + " in block " + std::to_string(job.answered_height())};
}

std::variant<json::object, NoView> model_view(const ledger::Ledger& ledger, const pb::ModelInfo& model,
                                              std::optional<uint64_t> version) {
  const Hash32 id = Hash32::from_span(as_bytes(model.model_id()));
  const uint64_t v = version.value_or(model.version());
  json::object o = proto_json(model).as_object();
  o["id"] = id.hex();
  o["roots_version"] = v;
  json::array roots;
  if (auto mv = ledger.model_version(id, v))
    for (const auto& r : mv->roots()) roots.push_back(json::string(to_hex(as_bytes(r))));
  else if (version)
    return NoView{404, "model " + id.hex() + " keeps no version " + std::to_string(v) + " (current " +
                           std::to_string(model.version()) + ", final " + std::to_string(model.final_version()) +
                           "): a version is kept while it is current, final or pinned by a job"};
  o["roots"] = std::move(roots);
  return o;
}

}  // namespace ghost::daemon
