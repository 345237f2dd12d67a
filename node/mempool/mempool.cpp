#include "node/mempool/mempool.h"

#include <array>
#include <limits>
#include <stdexcept>

#include "node/mempool/eviction.h"
#include "node/mempool/pool.h"
#include "node/mempool/reap.h"
#include "node/mempool/sender_fees.h"

namespace ghost::mempool {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kAdded: return "added";
    case Verdict::kDuplicate: return "duplicate";
    case Verdict::kNonceTooLow: return "nonce_too_low";
    case Verdict::kNonceTooHigh: return "nonce_too_high";
    case Verdict::kCannotPayFee: return "cannot_pay_fee";
    case Verdict::kSenderLimit: return "sender_limit";
    case Verdict::kFull: return "full";
    case Verdict::kReplaced: return "replaced";
    case Verdict::kUnderpriced: return "underpriced";
  }
  return "unknown";
}

namespace {

constexpr size_t kVerdicts = size_t(Verdict::kUnderpriced) + 1;

AddResult refuse(Verdict v, std::string reason) { return AddResult{v, std::move(reason), {}}; }

std::string num(uint64_t v) { return std::to_string(v); }

std::optional<Hash32> job_model(const pb::TxBody& b) {
  if (b.has_inference_request()) return Hash32::from_span(as_bytes(b.inference_request().model_id()));
  if (b.has_train_request()) return Hash32::from_span(as_bytes(b.train_request().model_id()));
  return std::nullopt;
}

}  // namespace

class Mempool::Impl {
 public:
  Impl(Config config, metrics::Registry& m)
      : config_(config),
        txs_(m.gauge("ghost_mempool_txs", "Txs pending in the mempool")),
        bytes_(m.gauge("ghost_mempool_bytes", "Bytes of the txs pending in the mempool")),
        evicted_(m.counter("ghost_mempool_evicted_total",
                           "Pending txs an arriving tx dropped: replaced, evicted for room, or left unpaid")) {
    for (size_t v = 0; v < kVerdicts; ++v) {
      auto verdict = Verdict(v);
      if (verdict == Verdict::kAdded || verdict == Verdict::kReplaced) continue;
      rejected_[v] = &m.counter("ghost_mempool_rejected_total", "Txs the mempool refused, by verdict",
                                {{"verdict", std::string(verdict_name(verdict))}});
    }
  }

  AddResult add(ledger::CheckedTx tx, Bytes raw, const StateView& state) {
    if (raw.size() != tx.size) throw std::invalid_argument("mempool: raw bytes are not the checked tx");
    Entry e{tx.id, tx.sender_address, tx.envelope.nonce(), tx.envelope.fee(), ++arrivals_, std::move(raw),
            tx.body.has_inference_result() || tx.body.has_train_result(), job_model(tx.body)};
    AddResult r = admit(std::move(e), state);
    if (r.accepted()) {
      evicted_.inc(r.evicted.size());
    } else {
      rejected_[size_t(r.verdict)]->inc();
    }
    publish();
    return r;
  }

  std::vector<Hash32> update(std::span<const Hash32> included, const StateView& state) {
    // Executed txs are below their account's nonce now, so settling every sender drops them
    // a sender at a time; an included tx still here did not execute and goes alone.
    std::vector<Hash32> dropped;
    std::vector<Address> senders;
    senders.reserve(pool_.senders().size());
    for (const auto& [sender, txs] : pool_.senders()) senders.push_back(sender);
    for (const Address& sender : senders) settle(sender, state(sender), dropped);
    for (const Hash32& id : included)
      if (const Entry* e = pool_.find(id)) pool_.erase(e->sender, e->nonce, e->nonce, dropped);
    publish();
    return dropped;
  }

  const Pool& pool() const { return pool_; }

 private:
  AddResult admit(Entry e, const StateView& state) {
    if (pool_.find(e.id)) return refuse(Verdict::kDuplicate, "already pending");
    const AccountState account = state(e.sender);
    if (e.nonce < account.nonce)
      return refuse(Verdict::kNonceTooLow, "nonce " + num(e.nonce) + " is below the account's " + num(account.nonce));
    if (e.nonce - account.nonce >= config_.max_per_sender)
      return refuse(Verdict::kNonceTooHigh, "nonce " + num(e.nonce) + " is " + num(config_.max_per_sender) +
                                                " or more ahead of the account's " + num(account.nonce));
    const Nonces* pending = pool_.sender(e.sender);
    const Slot* same_nonce = pending ? find_nonce(*pending, e.nonce) : nullptr;
    const Entry* replaced = same_nonce ? same_nonce->entry : nullptr;
    if (replaced && !e.rate().outbids(replaced->rate()))
      return refuse(Verdict::kUnderpriced, "a pending tx has this nonce; a replacement must pay 10% more per byte");
    if (!replaced && pending && pending->size() >= config_.max_per_sender)
      return refuse(Verdict::kSenderLimit, "the sender has " + num(pending->size()) + " txs pending");
    const unsigned __int128 due = (pending ? fees_before(*pending, account, e.nonce) : 0) + e.fee;
    if (due > account.balance)
      return refuse(Verdict::kCannotPayFee, "the balance " + num(account.balance) +
                                                " does not cover this fee after the sender's pending fees");
    auto cuts = plan_eviction(pool_, e, replaced, config_.max_txs, config_.max_bytes);
    if (!cuts) return refuse(Verdict::kFull, "full of txs paying at least as much per byte");

    AddResult r{replaced ? Verdict::kReplaced : Verdict::kAdded, {}, {}};
    if (replaced) pool_.erase(e.sender, e.nonce, e.nonce, r.evicted);
    for (const Cut& cut : *cuts) pool_.erase(cut.sender, cut.first, std::numeric_limits<uint64_t>::max(), r.evicted);
    const Address sender = e.sender;
    pool_.insert(std::move(e));
    settle(sender, account, r.evicted);  // a higher fee may leave later nonces unpaid
    return r;
  }

  // Drops the sender's txs the account has passed and those its balance no longer pays.
  void settle(const Address& sender, const AccountState& account, std::vector<Hash32>& out) {
    if (account.nonce > 0) pool_.erase(sender, 0, account.nonce - 1, out);
    const Nonces* txs = pool_.sender(sender);
    if (!txs) return;
    if (auto first = first_unpaid(*txs, account))
      pool_.erase(sender, *first, std::numeric_limits<uint64_t>::max(), out);
  }

  void publish() {
    txs_.set(double(pool_.size()));
    bytes_.set(double(pool_.bytes()));
  }

  Config config_;
  Pool pool_;
  uint64_t arrivals_ = 0;
  metrics::Gauge& txs_;
  metrics::Gauge& bytes_;
  metrics::Counter& evicted_;
  std::array<metrics::Counter*, kVerdicts> rejected_{};
};

Mempool::Mempool(Config config, metrics::Registry& metrics) : impl_(std::make_unique<Impl>(config, metrics)) {}
Mempool::~Mempool() = default;

AddResult Mempool::add(ledger::CheckedTx tx, Bytes raw, const StateView& state) {
  return impl_->add(std::move(tx), std::move(raw), state);
}

std::vector<Bytes> Mempool::reap(uint64_t max_bytes, const StateView& state, const JobRoom& room) const {
  return mempool::reap(impl_->pool(), max_bytes, state, room);
}

std::vector<Hash32> Mempool::update(std::span<const Hash32> included, const StateView& state) {
  return impl_->update(included, state);
}

std::vector<Bytes> Mempool::pending() const {
  std::vector<Bytes> out;
  out.reserve(impl_->pool().size());
  for (const auto& [sender, txs] : impl_->pool().senders())
    for (const Slot& s : txs) out.emplace_back(s.raw.begin(), s.raw.end());
  return out;
}

bool Mempool::contains(const Hash32& id) const { return impl_->pool().find(id) != nullptr; }

std::optional<Bytes> Mempool::get(const Hash32& id) const {
  const Entry* e = impl_->pool().find(id);
  return e ? std::optional<Bytes>(e->raw) : std::nullopt;
}

uint64_t Mempool::size() const { return impl_->pool().size(); }
uint64_t Mempool::bytes() const { return impl_->pool().bytes(); }

}  // namespace ghost::mempool
