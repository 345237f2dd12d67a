// GET /jobs/{id}/result (node/daemon/job_views.h): the answer comes from the job's answering
// block in a real block store, and only from the result tx whose receipt is OK (a block may
// also hold refused results for the same job, or results of other jobs).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "consensus/ledger/tx.h"
#include "node/daemon/job_views.h"
#include "proto/decode.h"
#include "temp_dir.h"

namespace ghost::daemon {
namespace {

namespace json = boost::json;

std::string bytes_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::string job_id(char c) { return std::string(32, c); }

pb::GhostProof proof_with_input(const std::string& input) {
  pb::GhostProof p;
  p.set_model_id(std::string(32, 'm'));
  p.set_input(input);
  p.add_layers()->set_output("out-" + input);
  return p;
}

// A tx as the block holds it: an envelope around the body (the view reads no signature).
std::string tx_of(const pb::TxBody& body) {
  pb::TxEnvelope env;
  env.set_chain_id("views");
  env.set_body(bytes_of(pb::encode(body)));
  return bytes_of(pb::encode(env));
}

pb::TxBody inference_result(const std::string& job, const std::string& input) {
  pb::TxBody b;
  auto* r = b.mutable_inference_result();
  r->set_job_id(job);
  *r->mutable_proof() = proof_with_input(input);
  r->set_output("out-" + input);
  return b;
}

pb::TxBody train_result(const std::string& job) {
  pb::TxBody b;
  auto* r = b.mutable_train_result();
  r->set_job_id(job);
  *r->mutable_proof()->mutable_forward() = proof_with_input("train");
  r->mutable_proof()->set_lr(0.5f);
  return b;
}

struct Fixture {
  test::TempDir dir{"job-views"};
  std::unique_ptr<chain::BlockStore> store;

  // Block 1 holds `txs` with these receipt codes.
  void store_block(const std::vector<std::pair<pb::TxBody, pb::TxCode>>& txs) {
    store = std::move(*chain::BlockStore::open(dir.path / "blocks"));
    chain::StoredBlock s;
    s.block.mutable_header()->set_height(1);
    s.commit.set_height(1);
    for (const auto& [body, code] : txs) {
      s.block.add_txs(tx_of(body));
      s.tx_ids.push_back(sha256(as_bytes(s.block.txs(s.block.txs_size() - 1))));
      s.results.add_receipts()->set_status(code);
    }
    ASSERT_TRUE(store->append(s));
  }
};

pb::Job answered(const std::string& id, pb::JobKind kind, uint64_t height) {
  pb::Job j;
  j.set_job_id(id);
  j.set_kind(kind);
  j.set_status(pb::ANSWERED);
  j.set_version(3);
  j.set_answered_height(height);
  j.set_output("out-train");
  return j;
}

TEST(JobResult, TheAcceptedResultOfTheJobAmongRefusedOnesAndOthers) {
  Fixture f;
  pb::TxBody transfer;
  transfer.mutable_transfer()->set_amount(1);
  f.store_block({{transfer, pb::OK},
                 {inference_result(job_id('a'), "refused"), pb::BAD_PROOF},
                 {inference_result(job_id('b'), "other job"), pb::OK},
                 {inference_result(job_id('a'), "accepted"), pb::OK}});
  auto v = job_result(*f.store, answered(job_id('a'), pb::INFERENCE, 1));
  ASSERT_TRUE(std::holds_alternative<json::object>(v)) << std::get<NoView>(v).message;
  const auto& o = std::get<json::object>(v);
  EXPECT_EQ(o.at("proof").as_string(), to_hex(pb::encode(proof_with_input("accepted"))));
  EXPECT_EQ(o.at("output").as_string(), to_hex(as_bytes("out-accepted")));
  EXPECT_EQ(o.at("tx_id").as_string(), ledger::tx_id(as_bytes(tx_of(inference_result(job_id('a'), "accepted")))).hex());
  EXPECT_EQ(o.at("job_id").as_string(), to_hex(as_bytes(job_id('a'))));
  EXPECT_EQ(o.at("kind").as_string(), "INFERENCE");
  EXPECT_EQ(o.at("version").as_uint64(), 3u);
  EXPECT_EQ(o.at("height").as_uint64(), 1u);
}

TEST(JobResult, ATrainingResultIsItsTrainProofAndTheJobsOutput) {
  Fixture f;
  f.store_block({{train_result(job_id('t')), pb::OK}});
  auto v = job_result(*f.store, answered(job_id('t'), pb::TRAINING, 1));
  ASSERT_TRUE(std::holds_alternative<json::object>(v));
  const auto& o = std::get<json::object>(v);
  EXPECT_EQ(o.at("proof").as_string(), to_hex(pb::encode(train_result(job_id('t')).train_result().proof())));
  EXPECT_EQ(o.at("output").as_string(), to_hex(as_bytes("out-train")));
  EXPECT_EQ(o.at("kind").as_string(), "TRAINING");
}

TEST(JobResult, NoneWhileUnansweredOrWhenTheBlockHasNoAcceptedResult) {
  Fixture f;
  f.store_block({{inference_result(job_id('a'), "refused"), pb::BAD_PROOF}});
  pb::Job open = answered(job_id('a'), pb::INFERENCE, 0);
  open.set_status(pb::REFUNDED);
  auto v = job_result(*f.store, open);
  ASSERT_TRUE(std::holds_alternative<NoView>(v));
  EXPECT_EQ(std::get<NoView>(v).status, 404u);
  EXPECT_NE(std::get<NoView>(v).message.find("has no result (REFUNDED)"), std::string::npos);

  v = job_result(*f.store, answered(job_id('a'), pb::INFERENCE, 1));
  ASSERT_TRUE(std::holds_alternative<NoView>(v));
  EXPECT_NE(std::get<NoView>(v).message.find("no accepted result"), std::string::npos);

  v = job_result(*f.store, answered(job_id('a'), pb::INFERENCE, 2));  // a block this node has not stored
  ASSERT_TRUE(std::holds_alternative<NoView>(v));
  EXPECT_NE(std::get<NoView>(v).message.find("not stored on this node"), std::string::npos);
}

}  // namespace
}  // namespace ghost::daemon
