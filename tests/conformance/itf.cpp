#include "tests/conformance/itf.h"

#include <boost/json.hpp>

#include "base/file.h"

namespace ghost::mbt {

namespace json = boost::json;

namespace {

int64_t as_int(const json::value& v) {
  if (v.is_object() && v.as_object().contains("#bigint")) return std::stoll(std::string(v.at("#bigint").as_string()));
  return v.to_number<int64_t>();
}

const json::value* some(const json::value& option) {
  return option.at("tag").as_string() == "Some" ? &option.at("value") : nullptr;
}

std::optional<std::string> opt_str(const json::value& option) {
  const json::value* v = some(option);
  return v ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

template <class F>
void each_map_entry(const json::value& m, F f) {
  for (const auto& kv : m.at("#map").as_array()) f(std::string(kv.at(0).as_string()), kv.at(1));
}

SpecMsg parse_msg(const json::value& v) {
  SpecMsg m;
  std::string_view tag = v.at("tag").as_string();
  const json::value& b = v.at("value");
  m.src = std::string(b.at("src").as_string());
  m.round = as_int(b.at("round"));
  if (tag == "Propose") {
    m.kind = SpecMsg::Kind::kPropose;
    m.value = std::string(b.at("proposal").as_string());
    m.valid_round = as_int(b.at("valid_round"));
  } else {
    if (tag == "PreVote") m.kind = SpecMsg::Kind::kPrevote;
    else if (tag == "PreCommit") m.kind = SpecMsg::Kind::kPrecommit;
    else throw std::invalid_argument("unknown message tag " + std::string(tag));
    if (const json::value* id = some(b.at("id"))) m.value = std::string(id->at("hashed").as_string());
  }
  return m;
}

ProcState parse_proc(const json::value& v) {
  ProcState p;
  p.round = as_int(v.at("round"));
  p.stage = std::string(v.at("stage").at("tag").as_string());
  p.decision = opt_str(v.at("decision"));
  p.locked_value = opt_str(v.at("locked_value"));
  p.valid_value = opt_str(v.at("valid_value"));
  p.locked_round = as_int(v.at("locked_round"));
  p.valid_round = as_int(v.at("valid_round"));
  p.after_prevote_for_first_time = v.at("after_prevote_for_first_time").as_bool();
  static const std::pair<const char*, const char*> kReceived[] = {
      {"received_proposals", "Propose"}, {"received_prevotes", "PreVote"}, {"received_precommits", "PreCommit"}};
  for (const auto& [field, tag] : kReceived)
    for (const auto& m : v.at(field).at("#set").as_array())
      p.received.insert(parse_msg(json::value{{"tag", tag}, {"value", m}}));
  return p;
}

SpecState parse_state(const json::value& v) {
  SpecState s;
  s.action = std::string(v.at("mbt::actionTaken").as_string());
  const json::value& picks = v.at("mbt::nondetPicks");
  s.process = opt_str(picks.at("v"));
  if (const json::value* m = some(picks.at("msg"))) s.msg = parse_msg(*m);
  const json::value& env = v.at("tendermint::CSMI::s");
  each_map_entry(env.at("system"), [&](std::string p, const json::value& st) { s.procs[p] = parse_proc(st); });
  each_map_entry(env.at("msgBuffer"), [&](std::string p, const json::value& set) {
    auto& buf = s.buffers[p];
    for (const auto& m : set.at("#set").as_array()) buf.insert(parse_msg(m));
  });
  each_map_entry(env.at("activeTimeouts"), [&](std::string p, const json::value& opt) {
    auto& t = s.timeouts[p];
    if (const json::value* e = some(opt)) {
      std::string_view kind = e->at("kind").at("tag").as_string();
      SpecTimeout to;
      to.round = as_int(e->at("round"));
      if (kind == "ProposeTimeout") to.kind = SpecTimeout::Kind::kPropose;
      else if (kind == "PreVoteTimeout") to.kind = SpecTimeout::Kind::kPrevote;
      else if (kind == "PreCommitTimeout") to.kind = SpecTimeout::Kind::kPrecommit;
      else throw std::invalid_argument("unknown timeout kind " + std::string(kind));
      t = to;
    }
  });
  return s;
}

}  // namespace

std::string SpecMsg::str() const {
  static const char* kinds[] = {"Propose", "PreVote", "PreCommit"};
  std::string s = std::string(kinds[int(kind)]) + "(" + src + ", r" + std::to_string(round) + ", " + value.value_or("nil");
  if (kind == Kind::kPropose) s += ", vr" + std::to_string(valid_round);
  return s + ")";
}

Result<Trace> parse_itf(std::string name, std::string_view text) {
  Trace t;
  t.name = std::move(name);
  try {
    json::value doc = json::parse(text);
    for (const auto& st : doc.at("states").as_array()) t.states.push_back(parse_state(st));
  } catch (const std::exception& e) {
    return fail(t.name + ": not an ITF trace of the Tendermint spec: " + e.what());
  }
  if (t.states.empty() || t.states[0].action != "init") return fail(t.name + ": a trace starts with its init state");
  return t;
}

Result<Trace> read_itf(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_itf(std::filesystem::path(path).filename().string(),
                   std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

}  // namespace ghost::mbt
