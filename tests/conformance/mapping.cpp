#include "tests/conformance/mapping.h"

#include "consensus/bft/proposer.h"
#include "proto/decode.h"

namespace ghost::mbt {

namespace {

const Module kModules[] = {
    {"tendermint_valid", {"p1", "p2", "p3"}, {"p1", "p2", "p3", "p4", "p1"}, {"v0", "v1", "v0", "v2", "v0"}},
    {"tendermint_faulty", {"p1", "p2"}, {"p3", "p2", "p3", "p4", "p1"}, {"v0", "v1", "v0", "v2", "v0"}},
};
const char* kProcesses[] = {"p1", "p2", "p3", "p4"};

Signature sign_bytes(const PrivateKey& key, SignDomain domain, const google::protobuf::MessageLite& m) {
  return key.sign_hash(signing_hash(domain, kChainId, pb::encode(m)), std::array<uint8_t, 32>{});
}

std::string bytes_str(ByteSpan b) { return std::string(b.begin(), b.end()); }

}  // namespace

bool Module::valid(const std::string& value) const {
  for (size_t r = 0; r < values.size(); ++r)
    if (values[r] == value && correct.contains(proposer[r])) return true;
  return false;
}

Result<const Module*> module_of(const Trace& trace) {
  const auto& buffers = trace.states[0].buffers;
  if (buffers.empty() || buffers.begin()->second.size() != 1) return fail(trace.name + ": init holds no round-0 proposal");
  const SpecMsg& first = *buffers.begin()->second.begin();
  for (const Module& m : kModules)
    if (m.proposer[0] == first.src && m.values[0] == first.value && trace.states[0].procs.size() == 4) return &m;
  return fail(trace.name + ": round 0 proposed by " + first.src + ", which no known module of the spec does");
}

World::World(const Module& module) : module_(&module) {
  for (const char* p : kProcesses) keys_.emplace(p, PrivateKey::from_seed(std::string("mbt-") + p));
  for (const auto& v : module.values) names_[hash_of(v)] = v;
}

// Searches small starting priorities for ones under which the engine's proposer schedule
// (proposer_for_round) elects the module's PROPOSER in every round it names.
Result<std::unique_ptr<World>> World::make(const Module& module) {
  std::unique_ptr<World> w(new World(module));
  std::vector<bft::Validator> vs;
  for (const auto& [p, k] : w->keys_) vs.push_back({k.public_key(), 1, 0});
  auto base = bft::ValidatorSet::make(vs);
  if (!base) return std::unexpected(base.error());
  std::vector<size_t> index;  // schedule position -> validator index
  for (const auto& p : module.proposer) index.push_back(*base->index_of(w->keys_.at(p).public_key()));
  constexpr int kSpan = 4;  // priorities in [-kSpan, kSpan]
  for (int code = 0; code < 9 * 9 * 9 * 9; ++code) {
    bft::ValidatorSet set = *base;
    int c = code;
    for (auto& v : set.mutable_validators()) v.priority = c % (2 * kSpan + 1) - kSpan, c /= 2 * kSpan + 1;
    bft::increment_proposer_priority(set, 1);
    bool ok = true;
    for (uint32_t r = 0; ok && r < index.size(); ++r) ok = bft::proposer_for_round(set, r) == index[r];
    if (ok) {
      w->set_ = set;
      return w;
    }
  }
  return fail("no starting priorities give " + module.name + "'s proposers");
}

const bft::ValidatorSet& World::validators(uint64_t) { return set_; }

// Rounds past the module's VALUES have no value in the spec (PROPOSER.get fails there).
pb::Block World::propose_block(uint64_t, uint32_t round) {
  return block_of(round < module_->values.size() ? module_->values[round] : "round-" + std::to_string(round));
}

Hash32 World::block_hash(const pb::Block& block) { return block_hash_of(block); }

pb::Block World::block_of(const std::string& value) {
  pb::Block b;
  b.mutable_header()->set_height(kHeight);
  b.add_txs(value);
  return b;
}

Hash32 World::block_hash_of(const pb::Block& block) { return sha256(pb::encode(block)); }

std::string World::name_of(const bft::VoteValue& v) const {
  if (!v) return "nil";
  auto it = names_.find(*v);
  if (it != names_.end()) return it->second;
  std::string unknown = "?";
  return unknown.append(v->hex());
}

bft::Input World::sign(const SpecMsg& m) const {
  const PrivateKey& k = key(m.src);
  if (m.kind == SpecMsg::Kind::kPropose) {
    pb::SignedProposal sp;
    pb::Proposal& p = *sp.mutable_proposal();
    p.set_height(kHeight);
    p.set_round(uint32_t(m.round));
    p.set_pol_round(int32_t(m.valid_round));
    Hash32 h = hash_of(*m.value);
    p.set_block_hash(h.data(), 32);
    p.set_proposer(bytes_str(k.public_key().bytes));
    Signature s = sign_bytes(k, SignDomain::kProposal, p);
    sp.set_signature(s.bytes.data(), 64);
    *sp.mutable_block() = block_of(*m.value);
    return sp;
  }
  pb::SignedVote sv;
  pb::Vote& v = *sv.mutable_vote();
  v.set_type(m.kind == SpecMsg::Kind::kPrevote ? pb::PREVOTE : pb::PRECOMMIT);
  v.set_height(kHeight);
  v.set_round(uint32_t(m.round));
  if (m.value) {
    Hash32 h = hash_of(*m.value);
    v.set_block_hash(h.data(), 32);
  }
  v.set_validator(bytes_str(k.public_key().bytes));
  Signature s = sign_bytes(k, SignDomain::kVote, v);
  sv.set_signature(s.bytes.data(), 64);
  return sv;
}

SpecMsg World::to_spec(const bft::Output& out) const {
  auto src_of = [&](const std::string& key) {
    for (const auto& [p, k] : keys_)
      if (bytes_str(k.public_key().bytes) == key) return p;
    return std::string("?");
  };
  SpecMsg m;
  if (const auto* bp = std::get_if<bft::BroadcastProposal>(&out)) {
    const pb::Proposal& p = bp->proposal.proposal();
    m.kind = SpecMsg::Kind::kPropose;
    m.src = src_of(p.proposer());
    m.round = p.round();
    m.value = name_of(Hash32::from_span(as_bytes(p.block_hash())));
    m.valid_round = p.pol_round();
  } else {
    const pb::Vote& v = std::get<bft::BroadcastVote>(out).vote.vote();
    m.kind = v.type() == pb::PREVOTE ? SpecMsg::Kind::kPrevote : SpecMsg::Kind::kPrecommit;
    m.src = src_of(v.validator());
    m.round = v.round();
    if (auto val = bft::vote_value(v); val && *val) m.value = name_of(*val);
  }
  return m;
}

}  // namespace ghost::mbt
