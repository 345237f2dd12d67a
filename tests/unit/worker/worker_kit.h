// A real ledger (tests/unit/ledger/testkit.h) whose genesis registers the test model of
// model_kit.h and stakes two workers, plus the committed block a worker reads.
#pragma once

#include "tests/unit/ledger/model_kit.h"

namespace ghost::worker::test {

using namespace ledger::testkit;

struct JobChain {
  explicit JobChain(int workers = 2, uint64_t challenge_blocks = 0) : chain(genesis(workers, challenge_blocks)) {}
  ledger::testkit::ServedModel model{addr(user(0))};  // owned by user 0, so user 0 may train it
  Chain chain;
  std::map<uint64_t, pb::Block> blocks;  // every block made by block()

  // challenge_blocks 0: test_genesis's (3 blocks).
  pb::Genesis genesis(int workers, uint64_t challenge_blocks) const {
    pb::Genesis g = genesis_with(model, workers);
    if (challenge_blocks) g.mutable_params()->set_challenge_blocks(challenge_blocks);
    return g;
  }

  // Applies `txs` as the next block and returns it with its receipts, as a node commits it.
  std::pair<pb::Block, pb::BlockResults> block(const std::vector<Bytes>& txs) {
    auto r = chain.block(txs);
    pb::Block b;
    b.mutable_header()->set_height(chain.ledger().height());
    for (const auto& t : txs) b.add_txs(str(t));
    pb::BlockResults results;
    for (const auto& receipt : r.receipts) *results.add_receipts() = receipt;
    blocks[b.header().height()] = b;
    return {b, results};
  }
  std::optional<pb::Block> block_at(uint64_t height) const {
    auto it = blocks.find(height);
    return it == blocks.end() ? std::nullopt : std::optional(it->second);
  }
  BlockAt blocks_at() const {
    return [this](uint64_t height) { return block_at(height); };
  }
  // The operator key of the worker a job was assigned to.
  PrivateKey worker_of(const Hash32& job) {
    auto j = chain.ledger().job(job);
    return j->worker() == str(addr(worker_op(0))) ? worker_op(0) : worker_op(1);
  }
};

// A folder with model_kit's weights (same parameters and seed, so the same roots).
inline std::filesystem::path build_folder(const TempDir& d, uint64_t seed = 5) {
  ml::SyntheticParams p;
  p.n = 200;
  p.d = 16;
  p.d_out = 4;
  p.k = 8;
  p.seed = seed;
  auto dir = d.path / ("model-" + std::to_string(seed));
  auto built = ml::build_synthetic_model(dir, p, 1);
  if (!built) throw std::runtime_error(built.error().message);
  return dir;
}

}  // namespace ghost::worker::test
