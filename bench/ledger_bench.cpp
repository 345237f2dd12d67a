// Suite "ledger": block execution throughput including the synced LevelDB commit, the cost
// of stateless tx checks against raw libsecp256k1 verification, and paid inference results
// with their ghost proofs verified on execution.
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "bench/bench.h"
#include "consensus/ledger/ledger.h"
#include "consensus/ledger/params.h"
#include "consensus/ledger/tx.h"
#include "ml/ghost_file.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/verify/ghost_proof.h"
#include "proto/decode.h"

namespace ghost::bench {
namespace {

using namespace ghost::ledger;
namespace fs = std::filesystem;

void must_pass(const TxResult<CheckedTx>& r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().reason);
}

std::string str(ByteSpan b) { return std::string(b.begin(), b.end()); }
PrivateKey key(const std::string& tag, int i) { return PrivateKey::from_seed(tag + std::to_string(i)); }

// A genesis with `users` funded accounts and one validator.
pb::Genesis bench_genesis(int users) {
  pb::Genesis g;
  g.set_chain_id("ghost-bench");
  *g.mutable_params() = default_params();
  for (int i = 0; i < users; ++i) {
    auto* a = g.add_accounts();
    a->set_address(str(Address::of(key("user-", i).public_key()).bytes));
    a->set_balance(1'000'000 * kMicroPerCredit);
  }
  auto* v = g.add_validators();
  v->set_operator_pubkey(str(key("validator-", 0).public_key().bytes));
  v->set_consensus_pubkey(str(key("consensus-", 0).public_key().bytes));
  v->set_stake(1000 * kMicroPerCredit);
  return g;
}

Hash32 parent(uint64_t height) { return sha256("bench-block-" + std::to_string(height)); }

void transfer_part(Context& ctx) {
  const int kBlockTxs = 10'000, kUsers = 1000, blocks = ctx.quick() ? 3 : 5;
  ScratchDir dir("ledger-transfer");
  const pb::Genesis g = bench_genesis(kUsers);
  auto ledger = must(Ledger::open(dir.path.string(), g), "open ledger");
  ctx.progress("signing " + std::to_string(blocks * kBlockTxs) + " transfers");
  std::vector<PrivateKey> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(key("user-", i));
  std::vector<std::vector<Bytes>> block_txs(blocks);
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < kBlockTxs; ++t) {
      int u = t % kUsers;
      uint64_t nonce = uint64_t(b) * (kBlockTxs / kUsers) + t / kUsers;
      pb::TxBody body;
      body.mutable_transfer()->set_to(str(Address::of(users[(u + 1 + t) % kUsers].public_key()).bytes));
      body.mutable_transfer()->set_amount(1 + t);
      block_txs[b].push_back(encode_tx(users[u], g.chain_id(), nonce, body, g.params()));
    }
  // Pre-verified, as after the mempool: signatures are in the cache.
  for (const auto& txs : block_txs)
    for (const auto& tx : txs) must_pass(ledger->checker().check(tx), "check transfer");
  std::vector<double> secs;
  for (int b = 0; b < blocks; ++b) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = must(ledger->apply_block(BlockInfo{ledger->height() + 1, parent(ledger->height())}, block_txs[b]),
                    "apply block");
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (const auto& r : res.receipts)
      if (r.status() != pb::OK) throw std::runtime_error("transfer failed: " + r.reason());
  }
  ctx.report({"ledger.transfer_exec_per_s", kBlockTxs / median(secs), "1/s", "",
              "blocks of 10,000 pre-verified transfers incl. synced LevelDB commit, median of " +
                  std::to_string(blocks) + "; goal >= 50,000"});
}

void sigcheck_part(Context& ctx) {
  const int n = ctx.quick() ? 1000 : 4000, reps = ctx.quick() ? 3 : 5;
  const pb::Params params = default_params();
  const TxChecker checker("ghost-bench", params, nullptr);  // no cache: every check verifies
  std::vector<Bytes> txs;
  std::vector<std::array<uint8_t, 32>> msgs, pubs;
  std::vector<std::array<uint8_t, 64>> sigs;
  for (int i = 0; i < n; ++i) {
    PrivateKey k = key("signer-", i % 64);
    pb::TxBody body;
    body.mutable_transfer()->set_to(std::string(20, char(i)));
    body.mutable_transfer()->set_amount(1 + i);
    pb::TxEnvelope env = make_tx(k, "ghost-bench", i, body, params);
    txs.push_back(pb::encode(env));
    msgs.push_back(signing_hash(SignDomain::kTx, "ghost-bench", envelope_signing_bytes(env)).bytes);
    pubs.push_back(k.public_key().bytes);
    std::array<uint8_t, 64> s;
    std::memcpy(s.data(), env.signature().data(), 64);
    sigs.push_back(s);
  }
  secp256k1_context* raw = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  auto raw_verify_all = [&] {
    for (int i = 0; i < n; ++i) {
      secp256k1_xonly_pubkey pk;
      if (!secp256k1_xonly_pubkey_parse(raw, &pk, pubs[i].data()) ||
          !secp256k1_schnorrsig_verify(raw, sigs[i].data(), msgs[i].data(), 32, &pk))
        throw std::runtime_error("raw verify failed");
    }
  };
  auto check_all = [&] {
    for (const auto& tx : txs) must_pass(checker.check(tx), "check");
  };
  // Interleaved, so both sides see the same machine load.
  std::vector<double> raw_t, check_t;
  for (int r = 0; r < reps; ++r) {
    raw_t.push_back(median_seconds(1, raw_verify_all));
    check_t.push_back(median_seconds(1, check_all));
  }
  secp256k1_context_destroy(raw);
  const double raw_s = median(raw_t), check_s = median(check_t);
  ctx.report({"ledger.sigcheck_vs_raw", raw_s / check_s, "ratio", "raw libsecp256k1 schnorrsig verify",
              std::to_string(n) + " transfer txs, full stateless check (decode, canonical form, chain, fee, body, "
                                  "signature) vs pubkey parse + verify; goal >= 0.9"});
}

void result_part(Context& ctx) {
  const uint64_t n_columns = ctx.quick() ? 6000 : 60000;
  const int per_block = ctx.quick() ? 40 : 50, blocks = 3;  // ~64 KB per result: 50 fit in 4 MiB
  ScratchDir dir("ledger-results");
  ctx.progress("building the fashion-mnist model over " + std::to_string(n_columns) + " images");
  const ml::FashionSet train = must(ml::load_fashion_train(), "fashion train");
  const ml::FashionSet test = must(ml::load_fashion_test(), "fashion test");
  if (auto ok = ml::build_fashion_model(dir.path / "model", train, n_columns); !ok)
    throw std::runtime_error("build model: " + ok.error().message);
  ml::ModelOptions opts;
  opts.use_index = false;
  auto model = must(ml::Model::open(dir.path / "model", opts), "open model");
  const PrivateKey owner = key("user-", 0), worker = key("worker-", 0);
  ml::GhostFileMeta meta;
  Address owner_addr = Address::of(owner.public_key());
  meta.owner = Bytes(owner_addr.bytes.begin(), owner_addr.bytes.end());
  const pb::GhostFile file = ml::ghost_file_of(*model, meta);
  const Hash32 model_id = ml::model_id(file);

  pb::Genesis g = bench_genesis(4);
  *g.add_models() = file;
  auto* w = g.add_workers();
  w->set_operator_pubkey(str(worker.public_key().bytes));
  w->set_stake(100 * kMicroPerCredit);
  w->set_price(10'000);
  w->add_models(str(model_id.bytes));
  auto* wa = g.add_accounts();
  wa->set_address(str(Address::of(worker.public_key()).bytes));
  wa->set_balance(1000 * kMicroPerCredit);
  auto ledger = must(Ledger::open((dir.path / "state").string(), g), "open ledger");

  // One block of requests for every timed block of results.
  std::vector<Bytes> requests;
  for (int i = 0; i < per_block * blocks; ++i) {
    pb::TxBody body;
    auto* r = body.mutable_inference_request();
    r->set_model_id(str(model_id.bytes));
    r->set_input(str(test.image(i)));
    r->set_max_fee(20'000);
    requests.push_back(encode_tx(key("user-", i % 4), g.chain_id(), i / 4, body, g.params()));
  }
  auto opened = must(ledger->apply_block(BlockInfo{1, parent(0)}, requests), "requests");
  for (const auto& r : opened.receipts)
    if (r.status() != pb::OK) throw std::runtime_error("request failed: " + r.reason());

  ctx.progress("answering " + std::to_string(requests.size()) + " jobs");
  ml::ModelVersion version = must(ml::model_version(file), "model version");
  std::vector<std::vector<Bytes>> results(blocks);
  std::vector<pb::GhostProof> proofs;
  for (int i = 0; i < per_block * blocks; ++i) {
    auto inf = must(model->infer(test.image(i), ml::Search::exact), "infer");
    pb::TxBody body;
    auto* r = body.mutable_inference_result();
    r->set_job_id(str(tx_id(requests[i]).bytes));
    *r->mutable_proof() = ml::make_ghost_proof(*model, model_id, 0, test.image(i), inf);
    r->set_output(r->proof().layers(0).output());
    proofs.push_back(r->proof());
    results[i / per_block].push_back(encode_tx(worker, g.chain_id(), i, body, g.params()));
  }
  for (const auto& block : results)
    for (const auto& tx : block) must_pass(ledger->checker().check(tx), "check result");

  std::vector<double> secs;
  for (int b = 0; b < blocks; ++b) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = must(ledger->apply_block(BlockInfo{ledger->height() + 1, parent(ledger->height())}, results[b]),
                    "results");
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (const auto& r : res.receipts)
      if (r.status() != pb::OK) throw std::runtime_error("result failed: " + r.reason());
  }
  double verify_s = median_seconds(blocks, [&] {
    for (int i = 0; i < per_block; ++i) must(ml::verify_ghost_proof(proofs[i], version), "verify");
  });
  double exec_rate = per_block / median(secs);
  std::string sizes = std::to_string(n_columns) + " columns, blocks of " + std::to_string(per_block) + " results";
  ctx.report({"ledger.result_exec_per_s", exec_rate, "1/s", "", "fashion-mnist " + sizes + ", proofs verified, synced commit"});
  ctx.report({"ledger.result_exec_vs_verify", exec_rate / (per_block / verify_s), "ratio", "ml::verify_ghost_proof alone",
              "ledger overhead on top of proof verification"});
}

void ledger_suite(Context& ctx) {
  transfer_part(ctx);
  sigcheck_part(ctx);
  result_part(ctx);
}

}  // namespace

GHOST_BENCH_SUITE("ledger", "block execution incl. synced commit, tx checks vs raw schnorr, paid results", ledger_suite);

}  // namespace ghost::bench
