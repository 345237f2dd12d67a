// A chain of the ledger's test genesis (tests/unit/ledger/testkit.h) for the node's chain
// tests: blocks proposed and committed by the four test validators, with real signatures.
#pragma once

#include <memory>

#include "consensus/bft/commit.h"
#include "node/chain/chain.h"
#include "node/metrics/metrics.h"
#include "tests/temp_dir.h"
#include "tests/unit/ledger/testkit.h"

namespace ghost::chain::kit {

using ledger::testkit::consensus_key;
using ledger::testkit::test_genesis;
using ledger::testkit::user;

inline constexpr uint64_t kNow = 1'800'000'000'000;  // a fixed wall clock

// Precommits of every validator of `set` for `block` (a quorum by construction).
inline pb::Commit commit_for(const pb::Block& block, const bft::ValidatorSet& set, uint32_t round = 0) {
  std::vector<pb::SignedVote> votes;
  const Hash32 hash = header_hash(block.header());
  for (const auto& v : set.validators()) {
    for (int i = 0; i < 4; ++i) {
      if (consensus_key(i).public_key() != v.key) continue;
      pb::Vote vote;
      vote.set_type(pb::PRECOMMIT);
      vote.set_height(block.header().height());
      vote.set_round(round);
      vote.set_block_hash(hash.data(), 32);
      vote.set_validator(v.key.bytes.data(), 32);
      pb::SignedVote sv;
      *sv.mutable_vote() = vote;
      Signature s = consensus_key(i).sign(SignDomain::kVote, block.header().chain_id(), pb::encode(vote));
      sv.set_signature(s.bytes.data(), 64);
      votes.push_back(sv);
    }
  }
  return bft::make_commit(block.header().height(), round, hash, votes);
}

struct ChainKit {
  test::TempDir dir{"chain"};
  metrics::Registry metrics;
  mempool::Mempool pool{mempool::Config{}, metrics};
  pb::Genesis genesis = test_genesis();
  std::unique_ptr<Chain> chain;
  uint64_t now = kNow;

  ChainKit() { reopen(); }
  Result<void> open() {
    chain.reset();
    ChainOptions o;
    o.now_ms = [this] { return now; };
    auto c = Chain::open(dir.path / "blocks", dir.path / "state", genesis, std::make_shared<SigCache>(), pool,
                         consensus_key(0).public_key(), o);
    if (!c) return std::unexpected(c.error());
    chain = std::move(*c);
    return {};
  }
  void reopen() {
    auto r = open();
    if (!r) throw std::runtime_error(r.error().message);
  }
  // Proposes the next block from the mempool and commits it.
  Applied next_block() {
    now += 1000;
    const uint64_t h = chain->height() + 1;
    pb::Block b = chain->propose_block(h, 0);
    auto applied = chain->apply(b, commit_for(b, chain->validators(h)));
    if (!applied) throw std::runtime_error(applied.error().message);
    return *applied;
  }
  // A signed transfer from user `from`, offered to the mempool.
  Hash32 transfer(int from, int to, uint64_t amount, uint64_t nonce) {
    Bytes raw = ledger::encode_tx(user(from), genesis.chain_id(), nonce,
                                  ledger::testkit::body::transfer(Address::of(user(to).public_key()), amount),
                                  genesis.params());
    auto checked = chain->ledger().checker().check(raw);
    if (!checked) throw std::runtime_error(checked.error().reason);
    auto added = pool.add(*checked, raw, chain->state_view());
    if (!added.accepted()) throw std::runtime_error(added.reason);
    return ledger::tx_id(raw);
  }
};

}  // namespace ghost::chain::kit
