// Seeded random adds, blocks and balance changes over a few senders, checked against a
// reference model: it predicts every verdict but kFull from the rules alone, learns what
// left the pool only from the pool's own reports (evicted, dropped) and computes what
// update() must drop; a model ledger executes every reap with the nonce and fee rules.
#include <random>
#include <set>

#include "tests/unit/mempool/mempool_kit.h"

namespace ghost::mempool {
namespace {

using namespace kit;

constexpr int kSenders = 8;
const Config kConfig{.max_txs = 12, .max_bytes = 2000, .max_per_sender = 3};

class RandomRun {
 public:
  explicit RandomRun(uint32_t seed) : rng_(seed) {
    for (int s = 0; s < kSenders; ++s) h_.account(s).balance = pick(10'000, 100'000);
  }

  // The verdicts and reaps of `steps` random steps, for comparing runs.
  std::vector<std::string> go(int steps) {
    for (int i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) {
      SCOPED_TRACE("step " + std::to_string(i));
      uint64_t op = pick(0, 99);
      if (op < 70) {
        add();
      } else if (op < 85) {
        block();
      } else {
        outside_change();
      }
      check_pool();
    }
    return trace_;
  }

 private:
  uint64_t pick(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_); }

  void add() {
    const int s = int(pick(0, kSenders - 1));
    const uint64_t at = h_.account(s).nonce;
    // Half the time the wallet's next nonce, else anywhere around the window.
    const uint64_t nonce = pick(0, 1) ? next_nonce(s) : at + pick(0, 4) - std::min<uint64_t>(at, pick(0, 1));
    static const uint64_t kTips[] = {0, 100, 500, 2000, 5000};
    static const size_t kPads[] = {0, 0, 0, 40, 120};
    const Tx& t = tx(s, nonce, kTips[pick(0, 4)], kPads[pick(0, 4)]);
    const Verdict want = predict(t);
    const uint64_t size_before = h_.pool.size(), bytes_before = h_.pool.bytes();
    AddResult r = h_.add(t);
    trace_.push_back(std::string(verdict_name(r.verdict)));
    if (!r.evicted.empty()) trace_.push_back("evicting " + std::to_string(r.evicted.size()));
    if (r.verdict == Verdict::kFull) {
      ASSERT_TRUE(want == Verdict::kAdded || want == Verdict::kReplaced) << verdict_name(want);
      const Tx* old = same_nonce(t);
      const uint64_t txs = size_before - (old ? 1 : 0), bytes = bytes_before - (old ? old->size() : 0);
      EXPECT_TRUE(txs + 1 > kConfig.max_txs || bytes + t.size() > kConfig.max_bytes) << "refused with room";
    } else {
      ASSERT_EQ(r.verdict, want) << r.reason;
    }
    if (!r.accepted()) {
      EXPECT_TRUE(r.evicted.empty());
      return;
    }
    if (const Tx* old = same_nonce(t)) {
      EXPECT_NE(std::find(r.evicted.begin(), r.evicted.end(), old->id()), r.evicted.end());
    }
    for (const Hash32& id : r.evicted) {
      ASSERT_TRUE(pending_.contains(id)) << "evicted a tx that was not pending";
      EXPECT_TRUE(may_evict(*pending_.at(id), t, r.evicted)) << "evicted a tx that pays as much";
    }
    for (const Hash32& id : r.evicted) pending_.erase(id);
    pending_.emplace(t.id(), &t);
    EXPECT_TRUE(h_.pool.contains(t.id()));
  }

  // A block from a reap (or a prefix of it), sometimes with a tx of a sender that never
  // reached this pool.
  void block() {
    const uint64_t max_bytes = pick(0, 1500);
    std::vector<Bytes> reaped = h_.reap(max_bytes);
    trace_.push_back("reap " + std::to_string(reaped.size()));
    std::map<Address, AccountState> after = ledger_view();
    uint64_t used = 0;
    for (const Bytes& raw : reaped) {
      auto it = pending_.find(ledger::tx_id(raw));
      ASSERT_NE(it, pending_.end()) << "reaped a tx that is not pending";
      const Tx& t = *it->second;
      AccountState& a = after[t.sender()];
      ASSERT_EQ(t.nonce(), a.nonce) << "reaped a tx its account cannot execute now";
      ASSERT_LE(t.fee(), a.balance) << "reaped a tx whose fee the balance does not pay";
      a.nonce += 1;
      a.balance -= t.fee();
      used += t.size();
    }
    ASSERT_LE(used, max_bytes);
    // Nothing executable was left out that would still fit.
    for (const auto& [id, t] : pending_) {
      const AccountState& a = after[t->sender()];
      if (t->nonce() == a.nonce && t->fee() <= a.balance) {
        EXPECT_GT(t->size(), max_bytes - used);
      }
    }
    const size_t taken = pick(0, 3) == 0 ? pick(0, reaped.size()) : reaped.size();
    std::vector<Hash32> included;
    for (size_t i = 0; i < taken; ++i) {
      const Tx& t = *pending_.at(ledger::tx_id(reaped[i]));
      AccountState& a = h_.account(sender_index(t.sender()));
      a.nonce += 1;
      a.balance -= t.fee();
      included.push_back(t.id());
    }
    if (pick(0, 2) == 0) outside_tx();
    // Sometimes txs arrive before the pool hears of the block.
    included_.insert(included_.end(), included.begin(), included.end());
    if (pick(0, 1)) update();
  }

  // Something this pool did not see changes an account: a tx relayed elsewhere, a transfer
  // received, a balance spent.
  void outside_change() {
    if (pick(0, 1)) {
      outside_tx();
    } else {
      h_.account(int(pick(0, kSenders - 1))).balance = pick(0, 100'000);
    }
    update();
  }

  void outside_tx() {
    AccountState& a = h_.account(int(pick(0, kSenders - 1)));
    a.nonce += 1;
    a.balance -= std::min<uint64_t>(a.balance, 2500);
  }

  // update() with the txs of the blocks since the last one.
  void update() {
    std::set<Hash32> want = must_drop(included_);
    std::vector<Hash32> dropped = h_.update(included_);
    included_.clear();
    trace_.push_back("dropped " + std::to_string(dropped.size()));
    EXPECT_EQ(std::set<Hash32>(dropped.begin(), dropped.end()), want);
    EXPECT_EQ(dropped.size(), want.size()) << "an id dropped twice";
    for (const Hash32& id : dropped) pending_.erase(id);
  }

  // The model's update: the included, then per sender the passed nonces and the fees the
  // balance does not pay, from the account nonce up.
  std::set<Hash32> must_drop(const std::vector<Hash32>& included) {
    std::set<Hash32> out;
    for (const Hash32& id : included)
      if (pending_.contains(id)) out.insert(id);
    std::map<Address, std::map<uint64_t, const Tx*>> by_sender;
    for (const auto& [id, t] : pending_)
      if (!out.contains(id)) by_sender[t->sender()][t->nonce()] = t;
    for (const auto& [sender, txs] : by_sender) {
      const AccountState a = h_.account(sender_index(sender));
      unsigned __int128 fees = 0;
      for (const auto& [nonce, t] : txs) {
        if (nonce >= a.nonce) fees += t->fee();
        if (nonce < a.nonce || fees > a.balance) out.insert(t->id());
      }
    }
    return out;
  }

  Verdict predict(const Tx& t) {
    if (pending_.contains(t.id())) return Verdict::kDuplicate;
    const AccountState a = h_.account(sender_index(t.sender()));
    if (t.nonce() < a.nonce) return Verdict::kNonceTooLow;
    if (t.nonce() >= a.nonce + kConfig.max_per_sender) return Verdict::kNonceTooHigh;
    const Tx* old = same_nonce(t);
    // 10% more per byte: fee / size >= 1.1 * old fee / old size, in integers.
    if (old && t.fee() * old->size() * 10 < old->fee() * t.size() * 11) return Verdict::kUnderpriced;
    uint64_t count = 0, fees = t.fee();
    for (const auto& [id, p] : pending_) {
      if (p->sender() != t.sender()) continue;
      count += 1;
      if (p->nonce() >= a.nonce && p->nonce() < t.nonce()) fees += p->fee();
    }
    if (!old && count >= kConfig.max_per_sender) return Verdict::kSenderLimit;
    if (fees > a.balance) return Verdict::kCannotPayFee;
    return old ? Verdict::kReplaced : Verdict::kAdded;
  }

  // e may leave for t: it is replaced, it pays less per byte, it follows a cheaper evicted
  // tx of its sender, it follows t and t's fee left it unpaid, or its account passed it.
  bool may_evict(const Tx& e, const Tx& t, const std::vector<Hash32>& evicted) {
    if (e.sender() == t.sender() && e.nonce() >= t.nonce()) return true;
    if (e.nonce() < h_.account(sender_index(e.sender())).nonce) return true;
    if (cheaper(e, t)) return true;
    for (const Hash32& id : evicted) {
      const Tx& f = *pending_.at(id);
      if (f.sender() == e.sender() && f.nonce() < e.nonce() && cheaper(f, t)) return true;
    }
    return false;
  }

  uint64_t next_nonce(int s) {
    uint64_t next = h_.account(s).nonce;
    for (const auto& [id, p] : pending_)
      if (p->sender() == address(s)) next = std::max(next, p->nonce() + 1);
    return next;
  }

  const Tx* same_nonce(const Tx& t) const {
    for (const auto& [id, p] : pending_)
      if (p->sender() == t.sender() && p->nonce() == t.nonce()) return p;
    return nullptr;
  }

  int sender_index(const Address& a) const {
    for (int s = 0; s < kSenders; ++s)
      if (address(s) == a) return s;
    throw std::logic_error("unknown sender");
  }

  std::map<Address, AccountState> ledger_view() {
    std::map<Address, AccountState> out;
    for (int s = 0; s < kSenders; ++s) out[address(s)] = h_.account(s);
    return out;
  }

  void check_pool() {
    uint64_t bytes = 0;
    for (const auto& [id, t] : pending_) {
      EXPECT_EQ(h_.pool.get(id), t->raw) << "a tx left without being reported";
      bytes += t->size();
    }
    EXPECT_EQ(h_.pool.size(), pending_.size());
    EXPECT_EQ(h_.pool.bytes(), bytes);
    EXPECT_LE(h_.pool.size(), kConfig.max_txs);
    EXPECT_LE(h_.pool.bytes(), kConfig.max_bytes);
  }

  std::mt19937 rng_;
  Harness h_{kConfig};
  std::map<Hash32, const Tx*> pending_;
  std::vector<Hash32> included_;
  std::vector<std::string> trace_;
};

TEST(MempoolProperty, RandomRunsMatchTheReferenceModel) {
  std::map<std::string, uint64_t> verdicts;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::vector<std::string> trace = RandomRun(seed).go(400);
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(RandomRun(seed).go(400), trace) << "two runs of one seed differ";
    for (const std::string& v : trace) verdicts[v.substr(0, v.find(' '))] += 1;
  }
  // The runs reached every rule, or they prove little.
  for (int v = 0; v <= int(Verdict::kUnderpriced); ++v)
    EXPECT_GT(verdicts[std::string(verdict_name(Verdict(v)))], 0u) << verdict_name(Verdict(v));
  EXPECT_GT(verdicts["evicting"], 0u);
}

}  // namespace
}  // namespace ghost::mempool
