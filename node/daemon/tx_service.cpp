#include "node/daemon/tx_service.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "node/log/log.h"
#include "node/p2p/frame.h"
#include "proto/decode.h"

namespace ghost::daemon {

namespace asio = boost::asio;

TxService::TxService(asio::io_context& core, asio::thread_pool& work, chain::Chain& chain, mempool::Mempool& mempool,
                     p2p::Network& net, std::optional<PrivateKey> own_key, metrics::Registry& metrics,
                     uint64_t max_checking)
    : core_(core),
      work_(work),
      chain_(chain),
      mempool_(mempool),
      net_(net),
      own_key_(std::move(own_key)),
      metrics_(metrics),
      m_received_(metrics.counter("ghost_txs_received_total", "Transactions received from clients and peers")),
      max_checking_(max_checking) {}

bool TxService::submit(Bytes raw, std::optional<p2p::PeerId> from, std::function<void(Submitted)> done) {
  m_received_.inc();
  if (checking_.fetch_add(1) >= max_checking_) {
    checking_.fetch_sub(1);
    metrics_.counter("ghost_txs_shed_total", "Transactions refused at intake while max_checking wait for their checks",
                     {{"source", from ? "peer" : "client"}})
        .inc();
    return false;
  }
  check(std::move(raw), from, std::move(done));
  return true;
}

// The stateless checks on the work pool, then the mempool on the core thread.
void TxService::check(Bytes raw, std::optional<p2p::PeerId> from, std::function<void(Submitted)> done) {
  ledger::TxChecker checker = chain_.ledger().checker();
  asio::post(work_, [this, checker, raw = std::move(raw), from, done = std::move(done)]() mutable {
    auto checked = checker.check(raw);
    checking_.fetch_sub(1);
    asio::post(core_, [this, checked = std::move(checked), raw = std::move(raw), from, done = std::move(done)]() mutable {
      if (!checked) {
        const auto& e = checked.error();
        metrics_.counter("ghost_txs_rejected_total", "Transactions refused, by reason", {{"reason", pb::TxCode_Name(e.code)}}).inc();
        if (from && (e.code == pb::TX_BAD_SIGNATURE || e.code == pb::TX_MALFORMED || e.code == pb::TX_WRONG_CHAIN))
          net_.report(*from, e.code == pb::TX_BAD_SIGNATURE ? p2p::Offence::kBadSignature : p2p::Offence::kProtocol,
                      "tx: " + e.reason);
        if (done) done(Submitted{ledger::tx_id(raw), e, std::nullopt});
        return;
      }
      admit(std::move(*checked), std::move(raw), from, std::move(done));
    });
  });
}

void TxService::admit(ledger::CheckedTx checked, Bytes raw, std::optional<p2p::PeerId> from,
                      std::function<void(Submitted)> done) {
  const Hash32 id = checked.id;
  p2p::OutFrame frame = p2p::seal_tx(raw);  // from the bytes as they came: canonical, as signed
  auto added = mempool_.add(std::move(checked), std::move(raw), chain_.state_view());
  if (added.accepted()) {
    net_.broadcast(std::move(frame), p2p::Priority::kGossip, from);
  } else if (added.verdict != mempool::Verdict::kDuplicate) {
    metrics_.counter("ghost_txs_rejected_total", "Transactions refused, by reason",
                     {{"reason", std::string(mempool::verdict_name(added.verdict))}})
        .inc();
  }
  if (done) done(Submitted{id, std::nullopt, std::move(added)});
}

void TxService::share_pending(const p2p::PeerId& peer) {
  for (const Bytes& raw : mempool_.pending()) net_.send(peer, p2p::seal_tx(raw), p2p::Priority::kGossip);
}

void TxService::wait_for_commit(const Hash32& id, uint64_t timeout_ms,
                                std::function<void(std::optional<std::pair<pb::Receipt, uint64_t>>)> done) {
  const uint64_t serial = next_serial_++;
  waiters_.emplace(id, Waiter{serial, std::move(done)});
  auto timer = std::make_shared<asio::steady_timer>(core_, std::chrono::milliseconds(timeout_ms));
  timer->async_wait([this, timer, id, serial](const boost::system::error_code&) {
    auto [b, e] = waiters_.equal_range(id);
    for (auto it = b; it != e; ++it)
      if (it->second.serial == serial) {
        auto fn = std::move(it->second.done);
        waiters_.erase(it);
        fn(std::nullopt);
        return;
      }
  });
}

void TxService::on_commit(const chain::Applied& applied) {
  const uint64_t h = applied.block.header().height();
  for (size_t i = 0; i < applied.tx_ids.size(); ++i) {
    auto [b, e] = waiters_.equal_range(applied.tx_ids[i]);
    std::vector<Waiter> ready;
    for (auto it = b; it != e; ++it) ready.push_back(std::move(it->second));
    waiters_.erase(b, e);
    for (auto& w : ready) w.done(std::pair{applied.results.receipts(int(i)), h});
  }
  drop_settled_own();
}

// An own tx still in its stateless checks is not in the mempool yet but holds its nonce:
// dropping it here gave the next own tx the same nonce, refused as underpriced (issue 13's
// challenges that never reached a block).
void TxService::drop_settled_own() {
  std::erase_if(own_pending_, [&](const Hash32& id) { return !mempool_.contains(id) && !own_checking_.contains(id); });
}

void TxService::submit_evidence(const pb::Evidence& evidence) {
  if (!own_key_) {
    log::warn("consensus", "evidence found, but this node has no validator key to submit it with");
    return;
  }
  const Bytes enc = pb::encode(evidence);
  if (!evidence_sent_.insert(std::string(enc.begin(), enc.end())).second) return;
  const Address me = Address::of(own_key_->public_key());
  pb::TxBody body;
  *body.mutable_evidence() = evidence;
  submit_own(body, [me](Submitted s) {
    if (s.ok()) log::info("consensus", "submitted evidence of double signing", {{"tx", s.id.hex()}});
    else
      log::warn("consensus", "could not submit evidence (fund the validator key's address to pay for it)",
                {{"address", me.str()},
                 {"reason", s.rejected ? s.rejected->reason : std::string(mempool::verdict_name(s.pool->verdict))}});
  });
}

bool TxService::submit_own(const pb::TxBody& body, std::function<void(Submitted)> done) {
  if (!own_key_) return false;
  drop_settled_own();
  const Address me = Address::of(own_key_->public_key());
  const uint64_t nonce = chain_.ledger().account(me).nonce() + own_pending_.size();
  Bytes raw = ledger::encode_tx(*own_key_, chain_.genesis().chain_id(), nonce, body, chain_.ledger().params());
  const Hash32 id = ledger::tx_id(raw);
  own_pending_.push_back(id);
  own_checking_.insert(id);
  checking_.fetch_add(1);  // counted like any tx, but never shed: it is this node's own
  check(std::move(raw), std::nullopt, [this, id, done = std::move(done)](Submitted s) {
    own_checking_.erase(id);
    if (done) done(std::move(s));
  });
  return true;
}

}  // namespace ghost::daemon
