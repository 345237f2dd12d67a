#include "consensus/bft/engine.h"

#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"
#include "consensus/bft/proposer.h"

namespace ghost::bft {

uint64_t Timeouts::delay(TimeoutKind kind, uint32_t round) const {
  switch (kind) {
    case TimeoutKind::kPropose: return propose_ms + round * propose_delta_ms;
    case TimeoutKind::kPrevote: return prevote_ms + round * prevote_delta_ms;
    case TimeoutKind::kPrecommit: return precommit_ms + round * precommit_delta_ms;
    case TimeoutKind::kCommit: return commit_ms;
  }
  return commit_ms;
}

Engine::Engine(EngineConfig config, BftApp& app, Signer* signer, SigCache* cache)
    : config_(std::move(config)), app_(&app), signer_(signer), cache_(cache) {}

std::vector<Output> Engine::start(uint64_t height) {
  Out out;
  future_.clear();
  begin_height(height, out);
  run_rules(out);
  return out;
}

std::vector<Output> Engine::step(const Input& input) {
  Out out;
  handle(input, out);
  run_rules(out);
  return out;
}

void Engine::begin_height(uint64_t height, Out& out) {
  height_ = height;
  decided_ = false;
  locked_value_ = valid_value_ = std::nullopt;
  locked_round_ = valid_round_ = -1;
  rounds_.clear();
  proposers_.clear();
  blocks_.clear();
  validity_.clear();
  valset_ = app_->validators(height);
  my_index_ = signer_ ? valset_.index_of(signer_->public_key()) : std::nullopt;
  start_round(0, out);
  std::vector<Input> pending;
  pending.swap(future_);
  for (const auto& in : pending) handle(in, out);
}

void Engine::handle(const Input& input, Out& out) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, pb::SignedProposal>) on_proposal(v, out);
        else if constexpr (std::is_same_v<T, pb::SignedVote>) on_vote(v, out);
        else if constexpr (std::is_same_v<T, TimeoutEvent>) on_timeout(v, out);
        else if constexpr (std::is_same_v<T, SyncedBlock>) on_synced(v, out);
        else if (v.height == height_ && validity_.contains(v.block_hash))
          validity_[v.block_hash] = v.valid ? Validity::kValid : Validity::kInvalid;
      },
      input);
}

bool Engine::buffer_if_future(uint64_t height, uint64_t ahead, const Input& input) {
  if (height > height_ && height - height_ <= ahead && future_.size() < config_.max_future_messages)
    future_.push_back(input);
  return height != height_;
}

Engine::RoundState& Engine::round_state(uint32_t round) {
  auto [it, fresh] = rounds_.try_emplace(round);
  if (fresh) {
    it->second.prevotes = VoteTally(valset_.size());
    it->second.precommits = VoteTally(valset_.size());
    it->second.senders.assign(valset_.size(), false);
    it->second.conflict_reported.assign(2 * valset_.size(), false);
  }
  return it->second;
}

size_t Engine::proposer_for(uint32_t round) {
  auto it = proposers_.find(round);
  if (it != proposers_.end()) return it->second;
  return proposers_[round] = proposer_for_round(valset_, round);
}

void Engine::note_sender(RoundState& rs, size_t index) {
  if (rs.senders[index]) return;
  rs.senders[index] = true;
  rs.sender_power += valset_.validators()[index].power;
}

Engine::Validity Engine::validity(const Hash32& h) const {
  auto it = validity_.find(h);
  return it == validity_.end() ? Validity::kPending : it->second;
}

std::vector<pb::SignedVote> Engine::polka_votes() const {
  if (!valid_value_ || decided_) return {};
  auto it = rounds_.find(uint32_t(valid_round_));
  return it == rounds_.end() ? std::vector<pb::SignedVote>{} : it->second.prevotes.votes_for(valid_value_);
}

void Engine::on_proposal(const pb::SignedProposal& sp, Out& out) {
  const pb::Proposal& p = sp.proposal();
  if (buffer_if_future(p.height(), 1, sp) || decided_) return;
  if (p.round() > uint64_t(round_) + config_.max_rounds_ahead) return;
  if (auto it = rounds_.find(p.round()); it != rounds_.end()) {
    if (it->second.proposals.size() >= kMaxProposalsPerRound) return;
    for (const auto& known : it->second.proposals)
      if (known.proposal().block_hash() == p.block_hash() && known.proposal().pol_round() == p.pol_round()) return;
  }
  if (!verify_proposal(sp, valset_, proposer_for(p.round()), config_.chain_id, cache_)) return;
  if (!sp.has_block()) return;
  Hash32 hash = app_->block_hash(sp.block());
  if (!same_bytes(hash.span(), p.block_hash())) return;
  RoundState& rs = round_state(p.round());
  rs.proposals.push_back(sp);
  note_sender(rs, proposer_for(p.round()));
  blocks_.try_emplace(hash, sp.block());
  if (!validity_.contains(hash)) {
    validity_[hash] = Validity::kPending;
    out.push_back(ValidateBlock{height_, hash, sp.block()});
  }
}

void Engine::on_vote(const pb::SignedVote& sv, Out& out) {
  const pb::Vote& v = sv.vote();
  if (buffer_if_future(v.height(), 1, sv) || decided_) return;
  if (v.round() > uint64_t(round_) + config_.max_rounds_ahead) return;
  auto idx = verify_vote(sv, valset_, config_.chain_id, cache_);
  if (!idx) return;
  VoteValue value = *vote_value(v);
  RoundState& rs = round_state(v.round());
  bool prevote = v.type() == pb::PREVOTE;
  VoteTally& tally = prevote ? rs.prevotes : rs.precommits;
  switch (tally.add(*idx, valset_.validators()[*idx].power, value, sv)) {
    case VoteTally::Added::kNew: note_sender(rs, *idx); break;
    case VoteTally::Added::kDuplicate: break;
    case VoteTally::Added::kConflict: {
      size_t slot = 2 * *idx + (prevote ? 0 : 1);
      if (!rs.conflict_reported[slot]) {
        rs.conflict_reported[slot] = true;
        out.push_back(EvidenceFound{make_evidence(*tally.vote_of(*idx), sv)});
      }
      break;
    }
  }
}

void Engine::on_timeout(const TimeoutEvent& t, Out& out) {
  if (t.height != height_) return;
  if (t.kind == TimeoutKind::kCommit) {
    if (decided_) begin_height(height_ + 1, out);
    return;
  }
  if (decided_ || t.round != round_) return;
  if (t.kind == TimeoutKind::kPropose && step_ == Step::kPropose) {  // line 57
    cast(pb::PREVOTE, std::nullopt, out);
    step_ = Step::kPrevote;
  } else if (t.kind == TimeoutKind::kPrevote && step_ == Step::kPrevote) {  // line 61
    cast(pb::PRECOMMIT, std::nullopt, out);
    step_ = Step::kPrecommit;
  } else if (t.kind == TimeoutKind::kPrecommit) {  // line 65
    start_round(round_ + 1, out);
  }
}

void Engine::on_synced(const SyncedBlock& b, Out& out) {
  if (buffer_if_future(b.commit.height(), config_.max_synced_ahead, b) || decided_) return;
  if (!verify_commit(b.commit, valset_, config_.chain_id, cache_)) return;
  Hash32 hash = app_->block_hash(b.block);
  if (!same_bytes(hash.span(), b.commit.block_hash())) return;
  decide(b.block, b.commit, 0, out);  // nothing left to collect: move on at once
}

void Engine::run_rules(Out& out) {
  for (bool again = true; again && !decided_;) {
    if (try_decide(out)) return;
    again = try_round_skip(out) || try_prevote_on_proposal(out) || try_polka_for_value(out) ||
            try_polka_for_nil(out);
    schedule_vote_timeouts(out);
  }
}

// Line 49: a proposal's value with 2f+1 precommits in one round is decided, in any round.
bool Engine::try_decide(Out& out) {
  for (auto& [r, rs] : rounds_) {
    for (const auto& [value, power] : rs.precommits.powers()) {
      if (!value || !valset_.is_quorum(power)) continue;
      auto block = blocks_.find(*value);
      if (block == blocks_.end() || validity(*value) != Validity::kValid) continue;
      decide(block->second, make_commit(height_, r, *value, rs.precommits.votes_for(value)),
             config_.timeouts.commit_ms, out);
      return true;
    }
  }
  return false;
}

// Line 55: f+1 power already in a later round means we are late; jump there.
bool Engine::try_round_skip(Out& out) {
  for (auto it = rounds_.rbegin(); it != rounds_.rend() && it->first > round_; ++it) {
    if (valset_.exceeds_one_third(it->second.sender_power)) {
      start_round(it->first, out);
      return true;
    }
  }
  return false;
}

// Lines 22 and 28: prevote the round's proposal if it is valid and the lock allows it. With
// several proposals (an equivocating proposer), the first that can be judged counts.
bool Engine::try_prevote_on_proposal(Out& out) {
  if (step_ != Step::kPropose) return false;
  auto it = rounds_.find(round_);
  if (it == rounds_.end()) return false;
  for (const auto& sp : it->second.proposals) {
    const pb::Proposal& p = sp.proposal();
    Hash32 v = Hash32::from_span(as_bytes(p.block_hash()));
    Validity valid = validity(v);
    if (valid == Validity::kPending) continue;
    int64_t vr = p.pol_round();
    bool unlocked;
    if (vr < 0) {
      unlocked = locked_round_ == -1 || locked_value_ == v;
    } else {
      auto pol = rounds_.find(uint32_t(vr));
      if (pol == rounds_.end() || !valset_.is_quorum(pol->second.prevotes.power_for(v))) continue;
      unlocked = locked_round_ <= vr || locked_value_ == v;
    }
    cast(pb::PREVOTE, valid == Validity::kValid && unlocked ? VoteValue{v} : std::nullopt, out);
    step_ = Step::kPrevote;
    return true;
  }
  return false;
}

// Line 36: a polka for a valid proposal of the round locks it (if still prevoting) and makes
// it the valid value.
bool Engine::try_polka_for_value(Out& out) {
  if (step_ == Step::kPropose) return false;
  RoundState& rs = round_state(round_);
  if (rs.polka_seen) return false;
  for (const auto& sp : rs.proposals) {
    Hash32 v = Hash32::from_span(as_bytes(sp.proposal().block_hash()));
    if (validity(v) != Validity::kValid || !valset_.is_quorum(rs.prevotes.power_for(v))) continue;
    rs.polka_seen = true;
    if (step_ == Step::kPrevote) {
      locked_value_ = v;
      locked_round_ = round_;
      cast(pb::PRECOMMIT, v, out);
      step_ = Step::kPrecommit;
    }
    valid_value_ = v;
    valid_round_ = round_;
    return true;
  }
  return false;
}

// Line 44: a polka for nil.
bool Engine::try_polka_for_nil(Out& out) {
  if (step_ != Step::kPrevote) return false;
  RoundState& rs = round_state(round_);
  if (!valset_.is_quorum(rs.prevotes.power_for(std::nullopt))) return false;
  cast(pb::PRECOMMIT, std::nullopt, out);
  step_ = Step::kPrecommit;
  return true;
}

// Lines 34 and 47: 2f+1 votes of any kind start the step's timeout, once per round.
void Engine::schedule_vote_timeouts(Out& out) {
  if (decided_) return;
  RoundState& rs = round_state(round_);
  if (step_ == Step::kPrevote && !rs.prevote_timeout_scheduled && valset_.is_quorum(rs.prevotes.power_any())) {
    rs.prevote_timeout_scheduled = true;
    schedule(TimeoutKind::kPrevote, out);
  }
  if (!rs.precommit_timeout_scheduled && valset_.is_quorum(rs.precommits.power_any())) {
    rs.precommit_timeout_scheduled = true;
    schedule(TimeoutKind::kPrecommit, out);
  }
}

void Engine::schedule(TimeoutKind kind, Out& out) {
  out.push_back(ScheduleTimeout{TimeoutEvent{height_, round_, kind}, config_.timeouts.delay(kind, round_)});
}

// Line 11. Every node schedules the propose timeout, the proposer too: after a restart its
// signer may refuse to propose again, and the round must still move on.
void Engine::start_round(uint32_t round, Out& out) {
  round_ = round;
  step_ = Step::kPropose;
  round_state(round);
  schedule(TimeoutKind::kPropose, out);
  if (!signer_ || !my_index_ || proposer_for(round) != *my_index_) return;
  pb::Proposal p;
  p.set_height(height_);
  p.set_round(round);
  pb::Block block;
  if (valid_value_ && blocks_.contains(*valid_value_)) {
    block = blocks_[*valid_value_];
    p.set_pol_round(int32_t(valid_round_));
    p.set_block_hash(valid_value_->data(), 32);
  } else {
    block = app_->propose_block(height_, round);
    Hash32 h = app_->block_hash(block);
    blocks_.try_emplace(h, block);
    validity_[h] = Validity::kValid;
    p.set_pol_round(-1);
    p.set_block_hash(h.data(), 32);
  }
  const PublicKey& me = signer_->public_key();
  p.set_proposer(me.bytes.data(), me.bytes.size());
  auto sp = signer_->sign_proposal(p);
  if (!sp) return;  // already signed another proposal here before a restart
  *sp->mutable_block() = std::move(block);
  RoundState& rs = rounds_[round];
  rs.proposals.push_back(*sp);
  note_sender(rs, *my_index_);
  out.push_back(BroadcastProposal{std::move(*sp)});
}

void Engine::cast(pb::VoteType type, const VoteValue& value, Out& out) {
  if (!signer_ || !my_index_) return;
  pb::Vote vote;
  vote.set_type(type);
  vote.set_height(height_);
  vote.set_round(round_);
  if (value) vote.set_block_hash(value->data(), 32);
  const PublicKey& me = signer_->public_key();
  vote.set_validator(me.bytes.data(), me.bytes.size());
  auto sv = signer_->sign_vote(vote);
  if (!sv) return;  // the signer refuses to contradict what it signed before a restart
  RoundState& rs = round_state(round_);
  VoteTally& tally = type == pb::PREVOTE ? rs.prevotes : rs.precommits;
  if (tally.add(*my_index_, valset_.validators()[*my_index_].power, value, *sv) == VoteTally::Added::kNew)
    note_sender(rs, *my_index_);
  out.push_back(BroadcastVote{std::move(*sv)});
}

// The next height starts on the commit timeout, so the driver has applied the decided block
// (and knows the next validator set) before the engine asks for it.
void Engine::decide(const pb::Block& block, pb::Commit commit, uint64_t commit_delay_ms, Out& out) {
  decided_ = true;
  out.push_back(Decision{height_, block, std::move(commit)});
  out.push_back(ScheduleTimeout{TimeoutEvent{height_, round_, TimeoutKind::kCommit}, commit_delay_ms});
}

}  // namespace ghost::bft
