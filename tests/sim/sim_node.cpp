#include "tests/sim/sim_node.h"

#include "proto/decode.h"

namespace ghost::sim {

using namespace bft;

namespace {
template <class... F>
struct overloaded : F... {
  using F::operator()...;
};

Signature sign_raw(const PrivateKey& key, SignDomain domain, std::string_view chain, const google::protobuf::MessageLite& m) {
  return key.sign_hash(signing_hash(domain, chain, pb::encode(m)), std::array<uint8_t, 32>{});
}
}  // namespace

Node::Node(NodeHost& host, const ChainSpec& chain, NodeSpec spec, EngineConfig config, SigCache* cache)
    : host_(&host),
      chain_(&chain),
      spec_(std::move(spec)),
      config_(std::move(config)),
      cache_(cache),
      ledger_(chain, spec_.key.public_key(), spec_.id + 1, spec_.role == Role::kEquivocator, cache) {}

void Node::run(const std::function<void()>& body) {
  try {
    body();
  } catch (const Crash&) {
    crash(host_->rng()() % 2 == 0);
    host_->crashed(id());
    return;
  }
  after_event();
}

void Node::boot() {
  if (up()) return;
  run([&] {
    auto s = Signer::open(spec_.key, chain_->chain_id, store_, "signer");
    if (!s) return host_->checker().violate("node " + std::to_string(id()) + ": " + s.error().message);
    signer_.emplace(std::move(*s));
    if (auto rel = host_->checker().released(spec_.key.public_key()); rel && honest_key()) {
      const SignState& st = signer_->last();
      if (st.empty() || std::tuple(st.height, st.round, uint8_t(st.step)) < *rel)
        host_->checker().violate("signer: node " + std::to_string(id()) + " restarted without a signature it released");
    }
    WalReplay replay;
    auto w = Wal::open(store_, "wal", &replay);
    if (!w) return host_->checker().violate("node " + std::to_string(id()) + ": " + w.error().message);
    wal_.emplace(std::move(*w));
    signer_->set_before_sign([this] { return wal_->sync(); });
    engine_ = std::make_unique<Engine>(config_, ledger_, &*signer_, cache_);
    ++incarnation_;
    carry_out(engine_->start(ledger_.height() + 1));
    for (const auto& in : replay.inputs) {
      carry_out(engine_->step(in));
      // The signer only re-signs its last position, so earlier own messages of this height
      // come back from the WAL and are sent again from there.
      if (auto* v = std::get_if<pb::SignedVote>(&in); v && same_bytes(spec_.key.public_key().bytes, v->vote().validator()))
        release(*v);
      if (auto* p = std::get_if<pb::SignedProposal>(&in); p && same_bytes(spec_.key.public_key().bytes, p->proposal().proposer()))
        release(*p);
    }
  });
}

void Node::crash(bool torn) {
  engine_.reset();
  wal_.reset();
  signer_.reset();
  own_.clear();
  ++incarnation_;
  store_.crash(host_->rng(), torn);
}

void Node::feed(const Input& in, bool log) {
  if (log)
    if (auto r = wal_->write(in); !r) host_->checker().violate("WAL write: " + r.error().message);
  carry_out(engine_->step(in));
}

void Node::carry_out(std::vector<Output> outs) {
  for (auto& o : outs) {
    std::visit(overloaded{
                   [&](BroadcastProposal& p) {
                     if (auto r = wal_->write_sync(p.proposal); !r) host_->checker().violate(r.error().message);
                     release(Message{std::move(p.proposal)});
                   },
                   [&](BroadcastVote& v) {
                     if (auto r = wal_->write_sync(v.vote); !r) host_->checker().violate(r.error().message);
                     release(Message{std::move(v.vote)});
                   },
                   [&](ScheduleTimeout& t) {
                     host_->after(t.delay_ms, [this, inc = incarnation_, ev = t.event] {
                       if (up() && inc == incarnation_) run([&] { feed(ev, true); });
                     });
                   },
                   [&](ValidateBlock& vb) {
                     bool ok = ledger_.validate(vb.block).has_value();
                     BlockValidated answer{vb.height, vb.block_hash, ok};
                     host_->after(1 + host_->rng()() % 5, [this, inc = incarnation_, answer] {
                       if (up() && inc == incarnation_) run([&] { feed(answer, true); });
                     });
                   },
                   [&](Decision& d) {
                     if (d.height != ledger_.height() + 1)
                       return host_->checker().violate("node " + std::to_string(id()) + " decided height " +
                                                       std::to_string(d.height) + " out of order");
                     host_->checker().on_decision(id(), d, ledger_.set_at(d.height), ledger_.block_hash(d.block));
                     ledger_.apply(d.block, d.commit);
                     last_decision_ms_ = host_->now();
                     own_.clear();
                     if (wal_crash_ && !wal_crash_armed_ && ledger_.height() + 1 == wal_crash_->first) {
                       wal_crash_armed_ = true;
                       wal_writes_start_ = store_.writes("wal");
                       store_.crash_at_write("wal", wal_crash_->second);
                     }
                     if (auto r = wal_->end_height(d.height); !r) host_->checker().violate(r.error().message);
                   },
                   [&](EvidenceFound& e) {
                     const std::string& who = e.evidence.vote_a().vote().validator();
                     bool byzantine = true;
                     for (size_t i = 0; i < chain_->keys.size(); ++i)
                       if (std::string(chain_->keys[i].bytes.begin(), chain_->keys[i].bytes.end()) == who)
                         byzantine = chain_->byzantine[i];
                     host_->checker().on_evidence(e.evidence, ledger_.set_at(e.evidence.vote_a().vote().height()),
                                                  byzantine);
                     ledger_.add_evidence(e.evidence);
                   },
               },
               o);
  }
}

void Node::release(const Message& m) {
  if (honest_key()) {
    if (auto* p = std::get_if<pb::SignedProposal>(&m))
      host_->checker().on_signed(spec_.key.public_key(), p->proposal().height(), p->proposal().round(), Step::kPropose,
                                 signing_hash(SignDomain::kProposal, chain_->chain_id, pb::encode(p->proposal())));
    else if (auto* v = std::get_if<pb::SignedVote>(&m))
      host_->checker().on_signed(spec_.key.public_key(), v->vote().height(), v->vote().round(),
                                 v->vote().type() == pb::PREVOTE ? Step::kPrevote : Step::kPrecommit,
                                 signing_hash(SignDomain::kVote, chain_->chain_id, pb::encode(v->vote())));
  }
  own_.push_back(m);
  if (spec_.role == Role::kEquivocator) equivocate(m);
  else host_->broadcast(id(), m);
}

// Sends `m` to a random half of the peers and a conflicting, validly signed twin of it to
// the other half.
void Node::equivocate(const Message& m) {
  Message other = m;
  if (auto* v = std::get_if<pb::SignedVote>(&other)) {
    pb::Vote vote = v->vote();
    Hash32 alt = sha256(pb::encode(vote));
    if (vote.block_hash().empty() || host_->rng()() % 2) vote.set_block_hash(alt.data(), 32);
    else vote.clear_block_hash();
    Signature s = sign_raw(spec_.key, SignDomain::kVote, chain_->chain_id, vote);
    *v->mutable_vote() = vote;
    v->set_signature(s.bytes.data(), 64);
  } else if (auto* p = std::get_if<pb::SignedProposal>(&other)) {
    pb::Proposal prop = p->proposal();
    pb::Block block = ledger_.propose_with_salt(prop.height(), prop.round(), ~uint64_t(id()));
    Hash32 h = ledger_.block_hash(block);
    prop.set_block_hash(h.data(), 32);
    prop.set_pol_round(-1);
    Signature s = sign_raw(spec_.key, SignDomain::kProposal, chain_->chain_id, prop);
    *p->mutable_proposal() = prop;
    p->set_signature(s.bytes.data(), 64);
    *p->mutable_block() = std::move(block);
  }
  uint64_t split = host_->rng()();
  for (uint32_t to = 0; to < host_->node_count(); ++to)
    if (to != id()) host_->send(id(), to, (split >> (to % 64)) & 1 ? other : m);
}

// What a gossip layer guarantees eventually: everyone gets this height's recent own messages
// and the polka behind the valid value, even after losses.
void Node::gossip() {
  if (!up()) return;
  host_->broadcast(id(), Status{engine_->height()});
  uint32_t from_round = engine_->round() > 0 ? engine_->round() - 1 : 0;
  for (const auto& m : own_) {
    auto* p = std::get_if<pb::SignedProposal>(&m);
    auto* v = std::get_if<pb::SignedVote>(&m);
    if ((p ? p->proposal().round() : v->vote().round()) >= from_round) host_->broadcast(id(), m);
  }
  for (const auto& v : engine_->polka_votes()) host_->broadcast(id(), v);
}

void Node::deliver(uint32_t from, const Message& m) {
  if (!up()) return;
  uint64_t h = engine_->height();
  std::visit(overloaded{
                 [&](const Status& s) {
                   for (uint64_t b = s.height; b <= ledger_.height() && b < s.height + 8; ++b)
                     host_->send(id(), from, SyncedBlock{ledger_.block(b), ledger_.commit(b)});
                 },
                 [&](const SyncedBlock& b) {
                   if (b.commit.height() >= h && b.commit.height() <= h + config_.max_synced_ahead)
                     run([&] { feed(b, true); });
                 },
                 [&](const pb::SignedProposal& p) {
                   if (p.proposal().height() == h || p.proposal().height() == h + 1) run([&] { feed(p, true); });
                 },
                 [&](const pb::SignedVote& v) {
                   if (v.vote().height() == h || v.vote().height() == h + 1) run([&] { feed(v, true); });
                 },
             },
             m);
}

std::string Node::describe() const {
  static const char* roles[] = {"honest", "equivocator", "twin"};
  std::string s = "node " + std::to_string(id()) + " key " + std::to_string(spec_.key_index) + " " +
                  roles[int(spec_.role)] + " ledger " + std::to_string(ledger_.height());
  if (!engine_) return s + " down";
  s += " at " + std::to_string(engine_->height()) + "/" + std::to_string(engine_->round()) + "/" +
       std::to_string(int(engine_->current_step())) + (engine_->decided() ? " decided" : "") + " locked round " +
       std::to_string(engine_->locked_round()) + " validator " +
       (engine_->validator_set().index_of(spec_.key.public_key()) ? "yes" : "no");
  return s;
}

void Node::after_event() {
  if (!up()) return;
  if (wal_crash_armed_ && !wal_writes_at_height_ && ledger_.height() >= wal_crash_->first)
    wal_writes_at_height_ = store_.writes("wal") - wal_writes_start_;
  std::optional<std::tuple<uint64_t, uint32_t, uint8_t>> pos;
  if (!signer_->last().empty()) pos = std::tuple(signer_->last().height, signer_->last().round, uint8_t(signer_->last().step));
  host_->checker().on_node_state(id(), ledger_.height(), engine_->height(), pos);
}

}  // namespace ghost::sim
