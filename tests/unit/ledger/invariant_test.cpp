// A seeded random workload (transfers, stakes, jobs, honest and dishonest results,
// challenges, evidence): the supply is conserved after every block, and execution is
// deterministic across stores and across reopening (consensus/ledger.h).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "tests/unit/ledger/model_kit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

pb::SignedVote vote(const PrivateKey& key, uint64_t height, const std::string& hash) {
  pb::SignedVote sv;
  auto* v = sv.mutable_vote();
  v->set_type(pb::PREVOTE);
  v->set_height(height);
  v->set_block_hash(hash);
  v->set_validator(str(key.public_key()));
  sv.set_signature(str(key.sign(SignDomain::kVote, kChain, pb::encode(*v)).bytes));
  return sv;
}

class Workload {
 public:
  Workload(uint64_t seed, ServedModel& model, Chain& chain) : rng_(seed), model_(model), chain_(chain) {
    for (int i = 0; i < 8; ++i) keys_.push_back(user(i));
    for (int i = 0; i < 3; ++i) keys_.push_back(worker_op(i));
    for (int i = 0; i < 4; ++i) keys_.push_back(validator_op(i));
    for (const auto& k : keys_) by_address_[str(addr(k))] = k;
  }

  std::vector<Bytes> next_block() {
    std::vector<Bytes> txs;
    Ledger& l = chain_.ledger();
    int n = 2 + int(rng_() % 8);
    for (int i = 0; i < n; ++i) {
      const PrivateKey& k = keys_[rng_() % keys_.size()];
      switch (rng_() % 10) {
        case 0:
        case 1: {
          uint64_t amount = rng_() % 4 == 0 ? chain_.balance(k) + 1 : 1 + rng_() % (1000 * GC);
          txs.push_back(chain_.tx(k, body::transfer(addr(keys_[rng_() % keys_.size()]), amount)));
          break;
        }
        case 2:
          if (rng_() % 2) txs.push_back(chain_.tx(k, body::stake_worker(100 * GC, {model_.id()}, 10'000 + rng_() % 50'000)));
          else txs.push_back(chain_.tx(k, body::unstake(pb::WORKER, 100 * GC * (1 + rng_() % 2))));
          break;
        case 3:
          if (rng_() % 2) txs.push_back(chain_.tx(k, body::stake_validator(1000 * GC, k.public_key())));
          else txs.push_back(chain_.tx(k, body::unstake(rng_() % 2 ? pb::VALIDATOR : pb::WORKER, 1000 * GC)));
          break;
        case 4:
        case 5:
          txs.push_back(chain_.tx(k, body::request(model_.id(), model_.input(rng_()), 40'000 + rng_() % 40'000)));
          break;
        case 6:
        case 7:
          answer_some(l, txs);
          break;
        case 8:
          challenge_some(l, txs);
          break;
        default:
          if (rng_() % 3 == 0) {
            int v = int(rng_() % 4);
            uint64_t h = l.height();
            pb::TxBody b;
            *b.mutable_evidence()->mutable_vote_a() = vote(consensus_key(v), h, std::string(32, 'a'));
            *b.mutable_evidence()->mutable_vote_b() = vote(consensus_key(v), h, std::string(32, char('b' + rng_() % 2)));
            txs.push_back(chain_.tx(k, b));
          } else {
            txs.push_back(chain_.tx(k, body::unjail(rng_() % 2 ? pb::VALIDATOR : pb::WORKER)));
          }
      }
    }
    return txs;
  }

 private:
  // The assigned worker answers: honestly, with its best columns dropped, or with a broken proof.
  void answer_some(Ledger& l, std::vector<Bytes>& txs) {
    for (const auto& j : l.jobs()) {
      if (j.status() != pb::ASSIGNED || answered_.contains(j.job_id()) || rng_() % 2) continue;
      auto key = by_address_.find(j.worker());
      if (key == by_address_.end()) continue;
      Hash32 id = Hash32::from_span(as_bytes(j.job_id()));
      uint32_t kind = rng_() % 4;
      pb::GhostProof p = model_.answer(as_bytes(j.input()), kind == 1 ? 3 : 0);
      if (kind == 2) p.mutable_layers(0)->set_output(std::string(p.layers(0).output().size(), '\0'));
      answered_[j.job_id()] = p;
      txs.push_back(chain_.tx(key->second, body::result(id, p)));
      return;
    }
  }

  // Anyone challenges an answered job: with a fraud proof when one exists, else a bogus one.
  void challenge_some(Ledger& l, std::vector<Bytes>& txs) {
    for (const auto& j : l.jobs()) {
      auto answer = answered_.find(j.job_id());  // the ledger keeps only the answer's hash
      if (j.status() != pb::ANSWERED || answer == answered_.end() || rng_() % 2) continue;
      auto fraud = model_.fraud(answer->second);
      if (!fraud) {
        if (rng_() % 3) continue;
        fraud = model_.fraud(model_.answer(as_bytes(j.input()), 3));
      }
      txs.push_back(chain_.tx(keys_[rng_() % 8], body::challenge(Hash32::from_span(as_bytes(j.job_id())), answer->second, *fraud)));
      return;
    }
  }

  std::mt19937_64 rng_;
  ServedModel& model_;
  Chain& chain_;
  std::vector<PrivateKey> keys_;
  std::map<std::string, PrivateKey> by_address_;
  std::map<std::string, pb::GhostProof> answered_;  // job id -> the answer sent
};

TEST(LedgerInvariantTest, RandomWorkloadConservesSupplyAndIsDeterministic) {
  ServedModel model(addr(user(0)));
  pb::Genesis g = genesis_with(model, 3);
  Chain a(g), b(g);
  TempDir reopened_dir;
  auto c = std::make_unique<Chain>(g, reopened_dir.path);
  Workload work(/*seed=*/42, model, a);
  std::map<pb::TxCode, int> codes;
  std::map<pb::JobStatus, int> final_status;
  for (int block = 1; block <= 60; ++block) {
    std::vector<Bytes> txs = work.next_block();
    if (!txs.empty()) {  // checks that do not match the txs are refused before anything runs
      const uint64_t h = b.ledger().height() + 1;
      EXPECT_FALSE(b.ledger().execute(BlockInfo{h, Chain::block_hash(h - 1)}, txs, {}));
    }
    auto ra = a.block(txs);
    auto rb = b.block_checked_first(txs);  // as a node executes: its txs checked on many cores first
    auto rc = c->block(txs);
    ASSERT_EQ(ra.app_hash, rb.app_hash) << "block " << block;
    ASSERT_EQ(ra.app_hash, rc.app_hash) << "block " << block;
    for (size_t i = 0; i < txs.size(); ++i) {
      ASSERT_EQ(pb::encode(ra.receipts[i]), pb::encode(rb.receipts[i]));
      ASSERT_EQ(pb::encode(ra.receipts[i]), pb::encode(rc.receipts[i]));
      codes[ra.receipts[i].status()]++;
    }
    expect_supply_conserved(a.ledger());
    if (block % 3 == 0) {  // closed between blocks and reopened: continues to the same hashes
      c.reset();
      c = std::make_unique<Chain>(g, reopened_dir.path);
      ASSERT_EQ(c->ledger().height(), a.ledger().height());
      ASSERT_EQ(c->ledger().app_hash(), a.ledger().app_hash());
    }
  }
  for (const auto& j : a.ledger().jobs()) final_status[j.status()]++;
  // The workload reached the interesting paths, not just transfers.
  for (auto code : {pb::OK, pb::INSUFFICIENT_FUNDS, pb::BAD_PROOF, pb::CHALLENGE_REJECTED})
    EXPECT_GT(codes[code], 0) << pb::TxCode_Name(code);
  for (auto status : {pb::SETTLED, pb::REFUNDED, pb::CHALLENGED}) EXPECT_GT(final_status[status], 0) << status;
  // Dishonest answers were never paid: every challenged job refunded, its worker slashed.
  for (const auto& j : a.ledger().jobs())
    if (j.status() == pb::CHALLENGED) {
      EXPECT_GT(j.slashed(), 0u);
    }
}

// A node killed (SIGKILL) while executing and committing blocks reopens at the end of a
// whole block, with that block's app hash and a conserved supply, and goes on to the same
// hashes as a node that never crashed.
TEST(LedgerInvariantTest, KilledMidBlockReopensAtAWholeBlock) {
  Chain ref;
  std::vector<std::vector<Bytes>> blocks;
  std::vector<Hash32> hashes{ref.ledger().app_hash()};
  std::mt19937_64 rng(9);
  for (int b = 0; b < 40; ++b) {
    std::vector<Bytes> txs;
    for (int i = 0; i < 50; ++i)
      txs.push_back(ref.tx(user(int(rng() % 8)), body::transfer(addr(user(int(rng() % 8))), 1 + rng() % GC)));
    hashes.push_back(ref.block(txs).app_hash);
    blocks.push_back(std::move(txs));
  }
  for (int after : {3, 17, 31}) {  // killed while executing the block after `after`
    TempDir dir;
    { Chain init(test_genesis(), dir.path); }  // genesis committed before the child starts
    int progress[2];
    ASSERT_EQ(pipe(progress), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(progress[0]);
      Chain c(test_genesis(), dir.path);
      for (const auto& txs : blocks) {
        c.block(txs);
        if (write(progress[1], "b", 1) != 1) _exit(2);
      }
      _exit(0);
    }
    close(progress[1]);
    char byte;
    for (int seen = 0; seen < after; ++seen) ASSERT_EQ(read(progress[0], &byte, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(progress[0]);
    Chain c(test_genesis(), dir.path);
    uint64_t h = c.ledger().height();
    EXPECT_GE(h, uint64_t(after));
    EXPECT_EQ(c.ledger().app_hash(), hashes[h]) << "killed after " << after << ", reopened at " << h;
    expect_supply_conserved(c.ledger());
    for (uint64_t next = h + 1; next <= blocks.size(); ++next)
      ASSERT_EQ(c.block(blocks[next - 1]).app_hash, hashes[next]) << next;
  }
}

}  // namespace
}  // namespace ghost::ledger
