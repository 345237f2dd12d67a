#include "tests/sim/sim_ledger.h"

#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"
#include "consensus/bft/proposer.h"
#include "proto/decode.h"

namespace ghost::sim {

using bft::ValidatorSet;

namespace {
enum TxKind : uint8_t { kPayload = 1, kStake = 2, kEvidence = 3, kInvalid = 0xff };

std::string bytes_str(ByteSpan b) { return std::string(b.begin(), b.end()); }

Hash32 tx_root(const pb::Block& block) {
  Sha256 h;
  for (const auto& tx : block.txs()) {
    Bytes n;
    put_u64le(n, tx.size());
    h.update(n).update(as_bytes(tx));
  }
  return h.final();
}
}  // namespace

SimLedger::SimLedger(const ChainSpec& spec, const PublicKey& me, uint64_t salt, bool propose_invalid,
                     SigCache* cache)
    : spec_(&spec), me_(me), salt_(salt), propose_invalid_(propose_invalid), cache_(cache), stakes_(spec.stakes) {
  sets_[1] = bft::start_schedule(top_set(stakes_));
}

ValidatorSet SimLedger::top_set(const std::vector<uint64_t>& stakes) const {
  std::vector<bft::Validator> v;
  for (size_t i = 0; i < stakes.size(); ++i) v.push_back({spec_->keys[i], stakes[i], 0});
  auto set = ValidatorSet::from_stakes(v, spec_->max_validators);
  return set ? *set : ValidatorSet{};
}

bool SimLedger::byzantine_below_third(const std::vector<uint64_t>& stakes) const {
  ValidatorSet set = top_set(stakes);
  if (set.size() == 0) return false;
  uint64_t byz = 0;
  for (const auto& v : set.validators())
    for (size_t i = 0; i < spec_->keys.size(); ++i)
      if (spec_->keys[i] == v.key && spec_->byzantine[i]) byz += v.power;
  return 3 * byz < set.total_power();
}

const ValidatorSet& SimLedger::validators(uint64_t height) { return sets_.at(height); }

Hash32 SimLedger::block_hash(const pb::Block& block) { return sha256(pb::encode(block.header())); }

pb::Block SimLedger::propose_block(uint64_t height, uint32_t round) { return propose_with_salt(height, round, salt_); }

pb::Block SimLedger::propose_with_salt(uint64_t height, uint32_t round, uint64_t salt) {
  pb::Block b;
  auto* hd = b.mutable_header();
  hd->set_chain_id(spec_->chain_id);
  hd->set_height(height);
  if (height > 1) {
    Hash32 prev = block_hash(block(height - 1));
    hd->set_prev_hash(prev.data(), 32);
    *b.mutable_last_commit() = commit(height - 1);
    Hash32 lc = sha256(pb::encode(b.last_commit()));
    hd->set_last_commit_hash(lc.data(), 32);
  }
  hd->set_proposer(me_.bytes.data(), 32);
  Hash32 vh = validators(height).hash();
  hd->set_validators_hash(vh.data(), 32);
  // A deterministic "mempool": the same node proposes the same block at (height, round).
  Bytes seed;
  put_u64le(seed, salt);
  put_u64le(seed, height);
  put_u64le(seed, round);
  Hash32 r = sha256(seed);
  b.add_txs(std::string(1, char(kPayload)) + bytes_str(r.span().first(8)));
  if (r.bytes[8] % 3 == 0) {  // a stake change, if it keeps the simulated fault bound
    size_t who = r.bytes[9] % spec_->keys.size();
    uint64_t power = r.bytes[10] % 4 == 0 ? 0 : 50 + r.bytes[11] % 150;
    std::vector<uint64_t> next = stakes_;
    next[who] = power;
    if (!spec_->byzantine[who] && byzantine_below_third(next)) {
      std::string tx(1, char(kStake));
      tx.push_back(char(who));
      Bytes p;
      put_u64le(p, power);
      b.add_txs(tx + bytes_str(p));
    }
  }
  size_t included = 0;
  for (const auto& ev : evidence_pool_) {
    Bytes enc = pb::encode(ev);
    enc.insert(enc.begin(), kEvidence);
    std::string tx = bytes_str(enc);
    pb::Block probe;
    probe.add_txs(tx);
    if (included < 2 && stakes_after(probe)) {
      b.add_txs(tx);
      ++included;
    }
  }
  if (propose_invalid_ && r.bytes[12] % 3 == 0) b.add_txs(std::string(1, char(kInvalid)));
  Hash32 root = tx_root(b);
  hd->set_tx_root(root.data(), 32);
  return b;
}

Result<std::vector<uint64_t>> SimLedger::stakes_after(const pb::Block& block) const {
  std::vector<uint64_t> next = stakes_;
  std::set<std::string> accused;
  for (const auto& tx : block.txs()) {
    if (tx.size() == 9 && uint8_t(tx[0]) == kPayload) continue;
    if (!tx.empty() && uint8_t(tx[0]) == kEvidence) {  // a proven double-sign: the stake is gone
      auto ev = pb::decode_as<pb::Evidence>(as_bytes(tx).subspan(1));
      if (!ev) return fail("evidence: " + ev.error().message);
      uint64_t h = ev->vote_a().vote().height();
      if (h == 0 || h > height() + 1) return fail("evidence from the future");
      auto who = bft::verify_evidence(*ev, sets_.at(h), spec_->chain_id, cache_);
      if (!who) return fail("evidence: " + who.error().message);
      std::string key = ev->vote_a().vote().validator();
      if (punished_.contains(key) || !accused.insert(key).second) return fail("validator already punished");
      for (size_t i = 0; i < spec_->keys.size(); ++i)
        if (bft::same_bytes(spec_->keys[i].bytes, key)) next[i] = 0;
      continue;
    }
    if (tx.size() != 10 || uint8_t(tx[0]) != kStake) return fail("unknown transaction");
    size_t who = uint8_t(tx[1]);
    if (who >= next.size()) return fail("stake change for an unknown key");
    next[who] = get_u64le(reinterpret_cast<const uint8_t*>(tx.data() + 2));
    if (next[who] > 1000 || spec_->byzantine[who]) return fail("stake change out of the simulated range");
  }
  if (spec_->byzantine_bound && !byzantine_below_third(next))
    return fail("stake changes would break the simulated fault bound");
  return next;
}

Result<void> SimLedger::validate(const pb::Block& b) const {
  const auto& hd = b.header();
  uint64_t h = height() + 1;
  if (hd.chain_id() != spec_->chain_id) return fail("wrong chain id");
  if (hd.height() != h) return fail("wrong height");
  Hash32 vh = sets_.at(h).hash();
  if (hd.validators_hash() != bytes_str(vh.span())) return fail("wrong validators hash");
  if (!sets_.at(h).index_of(as_bytes(hd.proposer()))) return fail("proposer is not a validator");
  if (hd.tx_root() != bytes_str(tx_root(b).span())) return fail("wrong tx root");
  if (h > 1) {
    Hash32 prev = sha256(pb::encode(block(h - 1).header()));
    if (hd.prev_hash() != bytes_str(prev.span())) return fail("wrong parent");
    if (b.last_commit().block_hash() != bytes_str(prev.span()) || b.last_commit().height() != h - 1)
      return fail("last commit is not for the parent");
    if (auto c = bft::verify_commit(b.last_commit(), sets_.at(h - 1), spec_->chain_id, cache_); !c)
      return fail("last commit: " + c.error().message);
    if (hd.last_commit_hash() != bytes_str(sha256(pb::encode(b.last_commit())).span()))
      return fail("wrong last commit hash");
  }
  if (auto s = stakes_after(b); !s) return fail(s.error().message);
  return {};
}

void SimLedger::add_evidence(const pb::Evidence& ev) {
  if (punished_.contains(ev.vote_a().vote().validator())) return;
  for (const auto& e : evidence_pool_)
    if (e.vote_a().vote().validator() == ev.vote_a().vote().validator()) return;
  evidence_pool_.push_back(ev);
}

void SimLedger::apply(const pb::Block& block, const pb::Commit& commit) {
  uint64_t h = height() + 1;
  if (auto s = stakes_after(block)) stakes_ = *s;
  for (const auto& tx : block.txs())
    if (!tx.empty() && uint8_t(tx[0]) == kEvidence)
      if (auto ev = pb::decode_as<pb::Evidence>(as_bytes(tx).subspan(1))) punished_.insert(ev->vote_a().vote().validator());
  blocks_.push_back(block);
  commits_.push_back(commit);
  ValidatorSet next = sets_.at(h);
  if (h % spec_->epoch_length == 0) next = bft::carry_priorities(next, top_set(stakes_));
  bft::increment_proposer_priority(next, 1);
  sets_[h + 1] = std::move(next);
}

}  // namespace ghost::sim
