// The replay itself must be able to fail: a trace whose states or broadcasts are altered
// diverges, a trace of no known module is refused, and the mapping elects the spec's
// proposers through the engine's own schedule.
#include <gtest/gtest.h>

#include "consensus/bft/proposer.h"
#include "tests/conformance/mapping.h"
#include "tests/conformance/replay.h"
#include "tests/conformance/trace_source.h"

namespace ghost::mbt {
namespace {

// The first shipped trace of each module.
std::map<std::string, Trace> first_traces() {
  std::map<std::string, Trace> out;
  auto r = for_each_trace(GHOST_MBT_TRACES, [&](const Trace& t) -> Result<void> {
    std::string module = t.name.substr(0, t.name.find('_'));
    if (!out.contains(module)) out.emplace(module, t);
    return {};
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

const std::map<std::string, Trace>& traces() {
  static const auto t = first_traces();
  return t;
}

bool own_in_flight(const Trace& t, size_t k, const std::string& p) {
  for (const auto& m : t.states[k].buffers.at(p))
    if (m.src == p) return true;
  return false;
}

// The first step a correct process takes by consuming a message with no own message in
// flight before or after it (so that step is compared on its own), and that process.
std::pair<size_t, std::string> first_compared_step(const Trace& t) {
  const Module& m = **module_of(t);
  for (size_t k = 1; k < t.states.size(); ++k) {
    const auto& p = t.states[k].process;
    if (p && m.correct.contains(*p) && t.states[k].action == "receive_some_msg" && !own_in_flight(t, k, *p) &&
        !own_in_flight(t, k - 1, *p))
      return {k, *p};
  }
  return {0, ""};
}

TEST(MbtReplay, ShippedTracesOfBothModulesReplayWithoutDivergence) {
  ASSERT_EQ(traces().size(), 2u);
  for (const auto& [module, t] : traces()) {
    Tally tally;
    ASSERT_TRUE(replay(t, tally)) << module;
    EXPECT_EQ(tally.traces, 1u);
    EXPECT_GT(tally.steps_compared, 10u) << module;
    EXPECT_EQ(tally.diverged_steps, 0u) << module;
  }
}

TEST(MbtReplay, AnAlteredStateDiverges) {
  for (const auto& [module, original] : traces()) {
    for (const char* field : {"round", "locked_round", "valid_value", "decision", "step"}) {
      Trace t = original;
      auto [k, p] = first_compared_step(t);
      ASSERT_GT(k, 0u);
      ProcState& s = t.states[k].procs.at(p);
      std::string f = field;
      if (f == "round") s.round += 1;
      else if (f == "locked_round") s.locked_round = 3;
      else if (f == "valid_value") s.valid_value = "v2";
      else if (f == "decision") s.decision = "v1";
      else s.stage = "DecidedStage";
      Tally tally;
      ASSERT_TRUE(replay(t, tally));
      ASSERT_EQ(tally.diverged_steps, 1u) << module << " " << field;
      EXPECT_EQ(tally.divergences[0].step, k);
      EXPECT_EQ(tally.divergences[0].process, p);
      EXPECT_EQ(tally.divergences[0].field, f) << module;
    }
  }
}

TEST(MbtReplay, AMissingOrExtraBroadcastDiverges) {
  for (const auto& [module, original] : traces()) {
    // Find a step where a correct process broadcast something and make it vanish from every
    // buffer of that state: the engine's broadcast is then unexpected.
    Trace t = original;
    const Module& m = **module_of(t);
    std::optional<std::pair<size_t, SpecMsg>> found;
    for (size_t k = 1; k < t.states.size() && !found; ++k) {
      const auto& s = t.states[k];
      if (!s.process || !m.correct.contains(*s.process)) continue;
      for (const auto& [dest, buf] : s.buffers)
        for (const auto& msg : buf)
          if (!found && msg.src == *s.process && !t.states[k - 1].buffers.at(dest).contains(msg)) found.emplace(k, msg);
    }
    bool done = found.has_value();
    if (found)
      for (auto& [dest, buf] : t.states[found->first].buffers) buf.erase(found->second);
    ASSERT_TRUE(done) << module;
    Tally tally;
    ASSERT_TRUE(replay(t, tally));
    ASSERT_GE(tally.diverged_steps, 1u) << module;
    bool broadcast = false;
    for (const auto& d : tally.divergences) broadcast |= d.field == "broadcast";
    EXPECT_TRUE(broadcast) << module;
  }
}

TEST(MbtReplay, TracesOfNoKnownModuleAreRefused) {
  Trace t = traces().begin()->second;
  for (auto& [dest, buf] : t.states[0].buffers) {
    SpecMsg m = *buf.begin();
    m.src = "p2";  // neither module's round-0 proposer
    buf = {m};
  }
  Tally tally;
  EXPECT_FALSE(replay(t, tally));
  EXPECT_EQ(tally.traces, 0u);
  EXPECT_FALSE(parse_itf("junk", "{\"states\": []}"));
  EXPECT_FALSE(parse_itf("junk", "not json"));
  EXPECT_FALSE(for_each_trace("/nonexistent.tar.zst", [](const Trace&) -> Result<void> { return {}; }));
}

TEST(MbtMapping, TheEnginesScheduleElectsTheSpecsProposers) {
  for (const auto& [module, t] : traces()) {
    const Module& m = **module_of(t);
    auto w = World::make(m);
    ASSERT_TRUE(w) << w.error().message;
    const bft::ValidatorSet& set = (*w)->validators(kHeight);
    for (uint32_t r = 0; r < m.proposer.size(); ++r)
      EXPECT_EQ(set.validators()[bft::proposer_for_round(set, r)].key, (*w)->key(m.proposer[r]).public_key())
          << module << " round " << r;
  }
}

}  // namespace
}  // namespace ghost::mbt
