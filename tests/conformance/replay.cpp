#include "tests/conformance/replay.h"

#include <algorithm>
#include <deque>

#include "tests/conformance/mapping.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::mbt {

namespace {

constexpr size_t kQuorum = 3;  // 2F + 1 of four equal powers

struct Proc {
  bft::testing::MemoryStore store;
  std::optional<bft::Signer> signer;
  std::unique_ptr<bft::Engine> engine;
  std::optional<std::string> decision;
  std::vector<SpecMsg> held;            // messages of rounds the engine has not reached
  std::vector<SpecMsg> expected, sent;  // broadcasts since the last comparison
  size_t window = 0;                    // steps since the last comparison
  bool stale_own = false;               // in this window it consumed an own message of an earlier round
  std::optional<std::string> stopped;   // why its state is no longer comparable
};

std::string opt(const std::optional<std::string>& v) { return v.value_or("None"); }

std::string stage_of(const Proc& p) {
  if (p.engine->decided()) return "DecidedStage";
  switch (p.engine->current_step()) {
    case bft::Step::kPropose: return "ProposeStage";
    case bft::Step::kPrevote: return "PreVoteStage";
    case bft::Step::kPrecommit: return "PreCommitStage";
  }
  return "?";
}

std::string msgs(std::vector<SpecMsg> ms) {
  std::sort(ms.begin(), ms.end());
  std::string s = "{";
  for (const auto& m : ms) s += (s.size() > 1 ? ", " : "") + m.str();
  return s + "}";
}

// What `p` broadcast in the step from `before` to `after`: its messages that entered some buffer.
std::vector<SpecMsg> broadcast_by(const std::string& p, const SpecState& before, const SpecState& after) {
  std::set<SpecMsg> out;
  for (const auto& [dest, buf] : after.buffers) {
    const auto& old = before.buffers.at(dest);
    for (const auto& m : buf)
      if (m.src == p && !old.contains(m)) out.insert(m);
  }
  return {out.begin(), out.end()};
}

// Whether `p` has sent itself a message it has not consumed yet.
bool own_in_flight(const std::string& p, const SpecState& s) {
  for (const auto& m : s.buffers.at(p))
    if (m.src == p) return true;
  return false;
}

size_t senders(const ProcState& s, SpecMsg::Kind kind, int64_t round, const std::optional<std::string>& value) {
  std::set<std::string> out;
  for (const auto& m : s.received)
    if (m.kind == kind && m.round == round && m.value == value) out.insert(m.src);
  return out.size();
}

bool has(const std::vector<SpecMsg>& ms, SpecMsg::Kind kind, int64_t round, const std::optional<std::string>& value) {
  return std::any_of(ms.begin(), ms.end(), [&](const SpecMsg& m) { return m.kind == kind && m.round == round && m.value == value; });
}

// The names of the documented differences (docs/protocol.md §5.12).
const char* kAfterDecision = "after deciding, only the decision is compared (the spec models one height)";
const char* kOwnInFlight = "own message not yet consumed by its sender: compared at its next step without one";
const char* kEndInFlight = "trace ends with an own message in flight and the engine ahead: not comparable";
const char* kOwnLate = "the spec consumed an own message after leaving its round, the engine counted it when sent";
const char* kOwnPolka = "the engine's own prevote completed a polka the spec's process saw only after its prevote timeout";
const char* kSharedFlag = "spec: line 34 clears the flag line 36 needs (the engine locks or updates the valid value)";
const char* kNoLine44 = "spec: no line 44 (the engine precommits nil on 2f+1 nil prevotes)";
const char* kNoRecheckAtRoundStart = "spec: a proposal received before its round starts is not prevoted (line 22)";
const char* kLine49OnPrecommitOnly = "spec: line 49 is checked only when a precommit arrives (the engine decides)";
const char* kDiverged = "after a divergence";

class Replay {
 public:
  Replay(const Trace& trace, World& world, Tally& tally, std::FILE* verbose)
      : trace_(trace), world_(world), tally_(tally), verbose_(verbose) {}

  Result<void> run() {
    const Module& m = world_.module();
    for (const auto& p : m.correct) {
      auto proc = std::make_unique<Proc>();
      auto s = bft::Signer::open(world_.key(p), kChainId, proc->store, "signer");
      if (!s) return fail(s.error(), "signer of " + p + ": ");
      proc->signer.emplace(std::move(*s));
      bft::EngineConfig cfg;
      cfg.chain_id = kChainId;
      proc->engine = std::make_unique<bft::Engine>(cfg, world_, &*proc->signer);
      Proc& pr = *proc;
      procs_[p] = std::move(proc);
      // The init state has the round-0 proposal in flight: a correct proposer sent it.
      if (m.proposer[0] == p) pr.expected.assign(trace_.states[0].buffers.at(p).begin(), trace_.states[0].buffers.at(p).end());
      carry_out(pr, pr.engine->start(kHeight));
      after_step(0, p);
    }
    for (size_t k = 1; k < trace_.states.size(); ++k) {
      const SpecState& before = trace_.states[k - 1];
      const SpecState& s = trace_.states[k];
      auto where = [&] { return trace_.name + " step " + std::to_string(k); };
      if (!s.process) return fail(where() + ": no process took it");
      auto it = procs_.find(*s.process);
      if (it == procs_.end()) continue;  // a byzantine process's own step: no engine runs it
      Proc& proc = *it->second;
      if (s.action == "fire_timeout") {
        const auto& t = before.timeouts.at(*s.process);
        if (!t) return fail(where() + ": fires a timeout that is not active");
        static const bft::TimeoutKind kinds[] = {bft::TimeoutKind::kPropose, bft::TimeoutKind::kPrevote,
                                                 bft::TimeoutKind::kPrecommit};
        feed(proc, bft::TimeoutEvent{kHeight, uint32_t(t->round), kinds[int(t->kind)]});
      } else if (s.action == "receive_some_msg" || s.action.empty()) {
        if (!s.msg) return fail(where() + ": receives no message");
        if (s.msg->src == *s.process && s.msg->round < before.procs.at(*s.process).round) proc.stale_own = true;
        deliver(proc, *s.msg);
      } else {
        return fail(where() + ": unknown action " + s.action);
      }
      auto sent = broadcast_by(*s.process, before, s);
      proc.expected.insert(proc.expected.end(), sent.begin(), sent.end());
      after_step(k, *s.process);
    }
    for (auto& [p, proc] : procs_) {
      if (proc->window == 0 || proc->stopped) continue;
      size_t last = trace_.states.size() - 1;
      auto mismatches = differences(last, p);
      if (mismatches.empty()) {
        tally_.steps_compared += proc->window;
      } else {
        tally_.accepted[kEndInFlight] += proc->window;
      }
    }
    ++tally_.traces;
    return {};
  }

 private:
  // A message reaches the engine once the engine is in its round: the spec has no round
  // skip (the paper's line 55), so a process there keeps later rounds' messages unused
  // except for deciding (line 49). Holding them is a delay the network may impose. They
  // are released early when they make a decision of their round: 2f+1 precommits for a
  // valid value and that round's proposal of it.
  void deliver(Proc& proc, const SpecMsg& m) {
    if (!proc.engine->decided() && m.round > int64_t(proc.engine->round())) {
      proc.held.push_back(m);
      ++tally_.held_messages;
      if (decides(proc.held, m.round)) release(proc, [&](const SpecMsg& h) { return h.round == m.round; });
      return;
    }
    feed(proc, world_.sign(m));
  }

  bool decides(const std::vector<SpecMsg>& held, int64_t round) const {
    const Module& mod = world_.module();
    for (const auto& prop : held) {
      if (prop.kind != SpecMsg::Kind::kPropose || prop.round != round || !mod.valid(*prop.value)) continue;
      if (size_t(round) >= mod.proposer.size() || prop.src != mod.proposer[round]) continue;
      std::set<std::string> senders;
      for (const auto& v : held)
        if (v.kind == SpecMsg::Kind::kPrecommit && v.round == round && v.value == prop.value) senders.insert(v.src);
      if (senders.size() >= kQuorum) return true;
    }
    return false;
  }

  template <class Pred>
  void release(Proc& proc, Pred pred) {
    std::vector<SpecMsg> now, later;
    for (auto& h : proc.held) (pred(h) ? now : later).push_back(std::move(h));
    proc.held = std::move(later);
    for (const auto& h : now) feed(proc, world_.sign(h));
  }

  void feed(Proc& proc, const bft::Input& in) {
    uint32_t round = proc.engine->round();
    carry_out(proc, proc.engine->step(in));
    if (proc.engine->round() != round)
      release(proc, [&](const SpecMsg& h) { return h.round <= int64_t(proc.engine->round()); });
  }

  // Carries out the engine's outputs the way a driver would, collecting its broadcasts in
  // the spec's terms. Block validity is answered at once (the spec's valid() is
  // synchronous); timeouts fire when the trace fires them, so ScheduleTimeout needs nothing
  // here; evidence is not part of the spec's process state.
  void carry_out(Proc& proc, std::vector<bft::Output> outs) {
    std::deque<std::vector<bft::Output>> queue{std::move(outs)};
    while (!queue.empty()) {
      for (const auto& o : queue.front()) {
        if (std::holds_alternative<bft::BroadcastProposal>(o) || std::holds_alternative<bft::BroadcastVote>(o)) {
          proc.sent.push_back(world_.to_spec(o));
        } else if (const auto* vb = std::get_if<bft::ValidateBlock>(&o)) {
          bool valid = world_.module().valid(world_.name_of(vb->block_hash));
          queue.push_back(proc.engine->step(bft::BlockValidated{vb->height, vb->block_hash, valid}));
        } else if (const auto* d = std::get_if<bft::Decision>(&o)) {
          proc.decision = world_.name_of(world_.block_hash(d->block));
        }
      }
      queue.pop_front();
    }
  }

  // The engine counts its own messages when it sends them; the spec's process counts them
  // when it consumes them from its buffer, which may be steps later. So a step taken while
  // the process has an own message in flight is compared together with the next step that
  // has none (states then, broadcasts of all those steps as one set).
  void after_step(size_t step, const std::string& p) {
    Proc& proc = *procs_.at(p);
    if (proc.stopped) {
      ++tally_.not_compared["after: " + *proc.stopped];
      return;
    }
    ++proc.window;
    bool deferred = own_in_flight(p, trace_.states[step]);
    if (verbose_) log(step, p, deferred);
    if (deferred) {
      ++tally_.accepted[kOwnInFlight];
      return;
    }
    tally_.steps_compared += proc.window;
    auto found = differences(step, p);
    if (!found.empty()) {
      if (const char* why = explain(step, p)) {
        ++tally_.accepted[why];
        proc.stopped = why;
      } else {
        for (auto& d : found) tally_.divergences.push_back(std::move(d));
        proc.stopped = kDiverged;
        ++tally_.diverged_steps;
      }
    }
    proc.window = 0;
    proc.stale_own = false;
    proc.expected.clear();
    proc.sent.clear();
  }

  // The documented difference that explains a divergence at `step`, or null. Each one names
  // a rule of the paper the spec leaves out or applies only on some events, checked on the
  // spec's own state (what it received) and on what the engine did. The process is not
  // compared after it: the two executions legitimately differ from then on.
  const char* explain(size_t step, const std::string& p) {
    const Proc& proc = *procs_.at(p);
    const bft::Engine& e = *proc.engine;
    const ProcState& a = trace_.states[step].procs.at(p);
    const Module& mod = world_.module();
    auto proposed = [&](const ProcState& s, int64_t round, const std::optional<std::string>& value) {
      if (size_t(round) >= mod.proposer.size()) return false;
      return std::any_of(s.received.begin(), s.received.end(), [&](const SpecMsg& m) {
        return m.kind == SpecMsg::Kind::kPropose && m.src == mod.proposer[round] && m.round == round &&
               (!value || m.value == value);
      });
    };
    using K = SpecMsg::Kind;
    // Line 36 in the paper fires once per round on its own; the spec shares one flag with line 34.
    if (!a.after_prevote_for_first_time && (a.stage == "PreVoteStage" || a.stage == "PreCommitStage") &&
        e.valid_round() == a.round && a.valid_round != a.round && e.valid_value()) {
      std::string v = world_.name_of(e.valid_value());
      std::string locked = e.locked_value() ? world_.name_of(e.locked_value()) : "None";
      // In step prevote line 36 also locks and precommits; in step precommit the lock stays.
      bool as_paper = a.stage == "PreVoteStage"
                          ? locked == v && e.locked_round() == a.round && has(proc.sent, K::kPrecommit, a.round, v)
                          : locked == opt(a.locked_value) && e.locked_round() == a.locked_round;
      bool polka = proposed(a, a.round, v) && mod.valid(v) && senders(a, K::kPrevote, a.round, v) >= kQuorum;
      if (as_paper && polka) return kSharedFlag;
      // The engine, counting its own prevote when it sent it, saw the polka while still in
      // step prevote and locked; the spec's process got its own prevote only after its prevote
      // timeout had made it precommit nil.
      if (polka && proc.window > 1 && a.stage == "PreCommitStage" && locked == v && e.locked_round() == a.round &&
          has(proc.sent, K::kPrecommit, a.round, v) && has(proc.expected, K::kPrecommit, a.round, std::nullopt) &&
          a.received.contains(SpecMsg{K::kPrevote, p, a.round, v, -1}))
        return kOwnPolka;
    }
    if (a.stage == "PreVoteStage" && has(proc.sent, K::kPrecommit, a.round, std::nullopt) &&
        !has(proc.expected, K::kPrecommit, a.round, std::nullopt) && senders(a, K::kPrevote, a.round, std::nullopt) >= kQuorum)
      return kNoLine44;
    if (a.stage == "ProposeStage" && e.round() == a.round && step > 0 && trace_.states[step - 1].procs.at(p).round < a.round) {
      // The engine's prevote must be the one lines 22/28 give for a proposal the process had.
      for (const auto& prop : trace_.states[step - 1].procs.at(p).received) {
        if (prop.kind != K::kPropose || prop.round != a.round || !proposed(a, a.round, prop.value)) continue;
        if (prop.valid_round >= prop.round) continue;
        if (prop.valid_round >= 0 && senders(a, K::kPrevote, prop.valid_round, prop.value) < kQuorum) continue;
        bool unlocked = prop.valid_round < 0 ? a.locked_round == -1 || a.locked_value == prop.value
                                             : a.locked_round <= prop.valid_round || a.locked_value == prop.value;
        auto vote = mod.valid(*prop.value) && unlocked ? prop.value : std::nullopt;
        if (has(proc.sent, K::kPrevote, a.round, vote)) return kNoRecheckAtRoundStart;
      }
    }
    if (proc.decision && !a.decision) {
      for (const auto& m : a.received)
        if (m.kind == K::kPrecommit && m.value == proc.decision && proposed(a, m.round, proc.decision) &&
            mod.valid(*proc.decision) && senders(a, K::kPrecommit, m.round, proc.decision) >= kQuorum)
          return kLine49OnPrecommitOnly;
    }
    // The engine counted its own message in the round it sent it; the spec's process took it
    // only after moving on, so it never acted on it in that round.
    if (proc.stale_own) return kOwnLate;
    return nullptr;
  }

  std::vector<Divergence> differences(size_t step, const std::string& p) {
    Proc& proc = *procs_.at(p);
    const ProcState& want = trace_.states[step].procs.at(p);
    std::vector<Divergence> out;
    auto check = [&](const char* field, const std::string& exp, const std::string& got) {
      if (exp != got) out.push_back({trace_.name, step, p, field, exp, got});
    };
    check("decision", opt(want.decision), opt(proc.decision));
    if (want.decision && proc.decision) {
      // After deciding, the engine waits for the commit timeout to start the next height;
      // the spec models one height and its decided process keeps taking steps in it.
      ++tally_.accepted[kAfterDecision];
      return out;
    }
    const bft::Engine& e = *proc.engine;
    check("round", std::to_string(want.round), std::to_string(e.round()));
    check("step", want.stage, stage_of(proc));
    check("locked_value", opt(want.locked_value), e.locked_value() ? world_.name_of(e.locked_value()) : "None");
    check("locked_round", std::to_string(want.locked_round), std::to_string(e.locked_round()));
    check("valid_value", opt(want.valid_value), e.valid_value() ? world_.name_of(e.valid_value()) : "None");
    check("valid_round", std::to_string(want.valid_round), std::to_string(e.valid_round()));
    check("broadcast", msgs(proc.expected), msgs(proc.sent));
    return out;
  }

  void log(size_t step, const std::string& p, bool deferred) {
    const SpecState& s = trace_.states[step];
    const ProcState& want = s.procs.at(p);
    std::string what = s.action.empty() ? "byzantine" : s.action;
    if (s.msg) what += " " + s.msg->str();
    std::fprintf(verbose_, "%s step %zu %s %s: spec r%lld %s, engine r%u %s%s\n", trace_.name.c_str(), step,
                 p.c_str(), what.c_str(), (long long)want.round, want.stage.c_str(), procs_.at(p)->engine->round(),
                 stage_of(*procs_.at(p)).c_str(), deferred ? " (own message in flight)" : "");
  }

  const Trace& trace_;
  World& world_;
  Tally& tally_;
  std::FILE* verbose_;
  std::map<std::string, std::unique_ptr<Proc>> procs_;
};

}  // namespace

std::string Divergence::str() const {
  return trace + " step " + std::to_string(step) + " " + process + " " + field + ": expected " + expected + ", got " + got;
}

Result<void> replay(const Trace& trace, Tally& tally, std::FILE* verbose) {
  auto module = module_of(trace);
  if (!module) return std::unexpected(module.error());
  auto world = World::make(**module);
  if (!world) return std::unexpected(world.error());
  return Replay(trace, **world, tally, verbose).run();
}

}  // namespace ghost::mbt
