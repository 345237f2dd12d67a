// A small real model (ml/serve/synthetic.h) served by a test worker: honest answers, dishonest
// ones (wrong output, foreign column, best columns dropped), fraud proofs and training steps.
#pragma once

#include <algorithm>
#include <memory>

#include "tests/unit/ledger/testkit.h"
#include "ml/canonical.h"
#include "ml/ghost_file.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/serve/synthetic.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/train_proof.h"

namespace ghost::ledger::testkit {

inline PrivateKey worker_op(int i) { return PrivateKey::from_seed("worker-" + std::to_string(i)); }

class ServedModel {
 public:
  explicit ServedModel(const Address& owner, pb::UpdatePolicy policy = pb::OWNER_ONLY, uint64_t price_floor = 0,
                       uint64_t seed = 5) {
    sp_.n = 200;
    sp_.d = 16;
    sp_.d_out = 4;
    sp_.k = 8;
    sp_.seed = seed;
    auto built = ml::build_synthetic_model(dir_.path / "m", sp_, 1);
    if (!built) throw std::runtime_error(built.error().message);
    ml::ModelOptions opts;  // with its committed search: fraud() replays it
    opts.threads = 1;
    auto m = ml::Model::open(dir_.path / "m", opts);
    if (!m) throw std::runtime_error(m.error().message);
    model_ = std::move(*m);
    ml::GhostFileMeta meta;
    meta.owner = Bytes(owner.bytes.begin(), owner.bytes.end());
    meta.policy = policy;
    meta.price_floor = price_floor;
    file_ = ml::ghost_file_of(*model_, meta);
    id_ = ml::model_id(file_);
  }

  const pb::GhostFile& file() const { return file_; }
  const Hash32& id() const { return id_; }
  uint64_t version() const { return version_; }
  Bytes input(uint64_t seed) const { return ml::synthetic_input(sp_.d, seed); }

  ml::ModelVersion ml_version() const {
    ml::ModelVersion v = *ml::model_version(ml::ghost_file_of(*model_));
    v.model_id = id_;
    v.version = version_;
    return v;
  }

  // The exact answer, or one with the best `drop` columns swapped for the worst.
  pb::GhostProof answer(ByteSpan input, uint32_t drop = 0) const {
    return ml::make_ghost_proof(*model_, id_, version_, input, inference(input, drop));
  }
  // The canonical search's answer (what an honest worker serves).
  pb::GhostProof canonical_answer(ByteSpan input) const {
    auto inf = model_->infer(input, ml::Search::graph);
    if (!inf) throw std::runtime_error(inf.error().message);
    return ml::make_ghost_proof(*model_, id_, version_, input, *inf);
  }
  // The pass behind answer().
  ml::Inference inference(ByteSpan input, uint32_t drop) const {
    auto inf = model_->infer(input, ml::Search::exact);
    if (!inf) throw std::runtime_error(inf.error().message);
    if (drop > 0) {
      const ml::LayerSpec& spec = model_->layers()[0];
      auto x_hat = ml::query_from_input(input, spec.hopfield());
      auto ranking = ml::exact_top_k(model_->keys(0), *x_hat, spec.n, 1);
      std::ranges::sort(ranking, ml::better);
      ml::Leaves leaves;
      for (size_t r = drop; r < spec.k; ++r) leaves.indices.push_back(ranking[r].index);
      for (size_t r = 0; r < drop; ++r) leaves.indices.push_back(ranking[spec.n - 1 - r].index);
      std::ranges::sort(leaves.indices);
      for (uint64_t i : leaves.indices) {
        auto key = model_->store().leaf(model_->first_tensor(0), i);
        auto value = model_->store().leaf(model_->first_tensor(0) + 1, i);
        leaves.keys.insert(leaves.keys.end(), key->begin(), key->end());
        leaves.values.insert(leaves.values.end(), value->begin(), value->end());
      }
      auto pass = ml::forward_from_leaves(spec.hopfield(), *x_hat, leaves);
      inf->layers[0] = {std::move(leaves), std::move(*pass)};
    }
    return std::move(*inf);
  }

  // The search fraud proof against an answer, if there is one.
  std::optional<pb::SearchFraudProof> fraud(const pb::GhostProof& answer) const {
    auto f = ml::find_search_fraud(*model_, ml_version(), answer);
    if (!f) throw std::runtime_error(f.error().message);
    return *f;
  }

  // A training step proof from the exact forward pass, or from one with `drop` columns
  // swapped as in answer(); apply() moves the served weights to the next version.
  pb::TrainProof train(ByteSpan input, const std::vector<float>& target, float lr, uint32_t drop = 0) {
    auto step = model_->train_from(input, inference(input, drop), target, lr);
    if (!step) throw std::runtime_error(step.error().message);
    pb::TrainProof p = ml::make_train_proof(*model_, id_, version_, input, target, lr, *step);
    pending_ = std::move(*step);
    return p;
  }
  void apply() {
    if (auto ok = model_->apply(pending_->writes); !ok) throw std::runtime_error(ok.error().message);
    ++version_;
  }

 private:
  TempDir dir_;
  ml::SyntheticParams sp_;
  std::unique_ptr<ml::Model> model_;
  pb::GhostFile file_;
  Hash32 id_;
  uint64_t version_ = 0;
  std::optional<ml::TrainStep> pending_;
};

// test_genesis() plus `model` and `workers` workers serving it at `price`, stake 100 * (i + 1) GC.
inline pb::Genesis genesis_with(const ServedModel& model, int workers, uint64_t price = 50'000) {
  pb::Genesis g = test_genesis();
  *g.add_models() = model.file();
  for (int i = 0; i < workers; ++i) {
    auto* w = g.add_workers();
    w->set_operator_pubkey(str(worker_op(i).public_key()));
    w->set_stake(100 * GC * (i + 1));
    w->set_endpoint("ws://127.0.0.1:" + std::to_string(9000 + i));
    w->set_price(price);
    w->add_models(str(model.id()));
    auto* a = g.add_accounts();
    a->set_address(str(addr(worker_op(i))));
    a->set_balance(10 * GC);
  }
  return g;
}

namespace body {
inline pb::TxBody request(const Hash32& model, ByteSpan input, uint64_t max_fee, uint64_t deadline = 0) {
  pb::TxBody b;
  auto* r = b.mutable_inference_request();
  r->set_model_id(str(model));
  r->set_input(str(input));
  r->set_max_fee(max_fee);
  r->set_deadline(deadline);
  return b;
}
inline pb::TxBody result(const Hash32& job, const pb::GhostProof& proof) {
  pb::TxBody b;
  auto* r = b.mutable_inference_result();
  r->set_job_id(str(job));
  r->set_output(proof.layers(proof.layers_size() - 1).output());
  *r->mutable_proof() = proof;
  return b;
}
inline pb::TxBody challenge(const Hash32& job, const pb::GhostProof& answer, const pb::SearchFraudProof& fraud) {
  pb::TxBody b;
  b.mutable_challenge()->set_job_id(str(job));
  *b.mutable_challenge()->mutable_answer() = answer;
  *b.mutable_challenge()->mutable_fraud() = fraud;
  return b;
}
inline pb::TxBody train_request(const Hash32& model, ByteSpan input, const std::vector<float>& target, float lr,
                                uint64_t max_fee) {
  pb::TxBody b;
  auto* r = b.mutable_train_request();
  r->set_model_id(str(model));
  r->set_input(str(input));
  r->set_target(str(ml::encode_floats(target)));
  r->set_lr(lr);
  r->set_max_fee(max_fee);
  return b;
}
inline pb::TxBody train_result(const Hash32& job, const pb::TrainProof& proof) {
  pb::TxBody b;
  b.mutable_train_result()->set_job_id(str(job));
  *b.mutable_train_result()->mutable_proof() = proof;
  return b;
}
inline pb::TxBody register_model(const pb::GhostFile& file) {
  pb::TxBody b;
  *b.mutable_register_model()->mutable_ghost_file() = file;
  return b;
}
}  // namespace body

}  // namespace ghost::ledger::testkit
