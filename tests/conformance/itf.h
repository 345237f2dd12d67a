// A reader for ITF traces (Informal Trace Format, JSON) of Informal Systems' Quint
// specification of Tendermint (tests/conformance/tendermint/README.md): per state, the
// action taken, the process and message it picked, and every process's consensus state,
// message buffer and active timeout. Only what the replay compares or feeds is kept.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace ghost::mbt {

// A message of the spec: Propose carries a proposal value and valid round, PreVote and
// PreCommit an optional value id (nil when absent).
struct SpecMsg {
  enum class Kind : uint8_t { kPropose, kPrevote, kPrecommit };
  Kind kind = Kind::kPropose;
  std::string src;
  int64_t round = 0;
  std::optional<std::string> value;
  int64_t valid_round = -1;  // Propose only
  auto operator<=>(const SpecMsg&) const = default;
  std::string str() const;
};

struct SpecTimeout {
  enum class Kind : uint8_t { kPropose, kPrevote, kPrecommit };
  Kind kind = Kind::kPropose;
  int64_t round = 0;
};

// One process's consensus state. stage is ProposeStage, PreVoteStage, PreCommitStage or DecidedStage.
struct ProcState {
  int64_t round = 0;
  std::string stage;
  std::optional<std::string> decision, locked_value, valid_value;
  int64_t locked_round = -1, valid_round = -1;
  bool after_prevote_for_first_time = false;  // the spec's one flag for lines 34 and 36
  std::set<SpecMsg> received;                 // proposals, prevotes and precommits received
};

struct SpecState {
  std::string action;  // init, receive_some_msg, fire_timeout, or empty: a byzantine message
  std::optional<std::string> process;  // the process that took the step
  std::optional<SpecMsg> msg;          // the message it consumed
  std::map<std::string, ProcState> procs;
  std::map<std::string, std::set<SpecMsg>> buffers;  // messages in flight, per destination
  std::map<std::string, std::optional<SpecTimeout>> timeouts;
};

struct Trace {
  std::string name;
  std::vector<SpecState> states;
};

Result<Trace> parse_itf(std::string name, std::string_view json);
Result<Trace> read_itf(const std::string& path);

}  // namespace ghost::mbt
