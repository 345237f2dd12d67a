// The node's own txs (evidence, spot-checkers' challenges) signed by TxService::submit_own: each
// takes the next free nonce, even while the previous one is still in its stateless checks.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "node/daemon/tx_service.h"
#include "tests/unit/chain/chain_kit.h"

namespace ghost::daemon {
namespace {

using namespace chain::kit;

struct OwnTxs {
  ChainKit kit;
  boost::asio::io_context core, net_io;
  boost::asio::thread_pool work{1};
  p2p::Network net{net_io, p2p::Config{}, PrivateKey::from_seed("node"), kit.genesis.chain_id(),
                   Hash32{}, p2p::Network::Handler{}, kit.metrics};
  TxService txs{core, work, *kit.chain, kit.pool, net, user(0), kit.metrics, 16};
  std::vector<Submitted> done;

  void submit_transfer(uint64_t amount) {
    ASSERT_TRUE(txs.submit_own(ledger::testkit::body::transfer(Address::of(user(1).public_key()), amount),
                               [this](Submitted s) { done.push_back(s); }));
  }
  // Runs the core thread until `n` submissions answered (or 10 s).
  void settle(size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (done.size() < n && std::chrono::steady_clock::now() < until) {
      core.run_for(std::chrono::milliseconds(10));
      core.restart();
    }
  }
};

TEST(OwnTxs, BackToBackTheyTakeSuccessiveNonces) {
  OwnTxs o;
  o.submit_transfer(1);
  o.submit_transfer(2);  // the first is still in its checks, not in the mempool
  o.settle(2);
  ASSERT_EQ(o.done.size(), 2u);
  for (const auto& s : o.done) EXPECT_TRUE(s.ok()) << (s.pool ? s.pool->reason : s.rejected->reason);
  EXPECT_EQ(o.kit.pool.size(), 2u);
}

TEST(OwnTxs, ACommitWhileOneIsInItsChecksKeepsItsNonce) {
  OwnTxs o;
  o.submit_transfer(1);
  o.txs.on_commit(o.kit.next_block());  // an empty block commits before the first reaches the mempool
  o.submit_transfer(2);
  o.settle(2);
  ASSERT_EQ(o.done.size(), 2u);
  for (const auto& s : o.done) EXPECT_TRUE(s.ok()) << (s.pool ? s.pool->reason : s.rejected->reason);
  const chain::Applied next = o.kit.next_block();
  EXPECT_EQ(next.block.txs_size(), 2) << "both own txs apply, in nonce order";
}

}  // namespace
}  // namespace ghost::daemon
