// Structured log lines (node/log/log.h): text and JSON forms, quoting, levels.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "node/log/log.h"

namespace ghost::log {
namespace {

constexpr uint64_t kT = 1764651600123;  // 2025-12-02T05:00:00.123Z

TEST(Log, TextLineHasTimeLevelModuleMessageAndFields) {
  std::string line = format_line(Format::kText, Level::kInfo, "consensus", "committed block",
                                 {{"height", uint64_t(12)}, {"round", 0}, {"hash", "ab12"}, {"ok", true}}, kT);
  EXPECT_EQ(line, "2025-12-02T05:00:00.123Z INFO  consensus: committed block height=12 round=0 hash=ab12 ok=true");
}

TEST(Log, TextValuesThatWouldNotReadBackAreQuoted) {
  std::string line = format_line(Format::kText, Level::kWarn, "p2p", "banned", {{"reason", "bad frame = \"x\""}, {"e", ""}}, kT);
  EXPECT_EQ(line, "2025-12-02T05:00:00.123Z WARN  p2p: banned reason=\"bad frame = \\\"x\\\"\" e=\"\"");
}

TEST(Log, JsonLineParsesBackWithTypedFields) {
  std::string line = format_line(Format::kJson, Level::kError, "rpc", "bad \"request\"\n",
                                 {{"status", 400}, {"peer", std::string("127.0.0.1:5")}, {"ms", 1.5}}, kT);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("ts").as_string(), "2025-12-02T05:00:00.123Z");
  EXPECT_EQ(v.at("level").as_string(), "error");
  EXPECT_EQ(v.at("module").as_string(), "rpc");
  EXPECT_EQ(v.at("msg").as_string(), "bad \"request\"\n");
  EXPECT_EQ(v.at("status").as_int64(), 400);
  EXPECT_EQ(v.at("peer").as_string(), "127.0.0.1:5");
  EXPECT_DOUBLE_EQ(v.at("ms").as_double(), 1.5);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line per entry";
}

TEST(Log, ParsesLevelsAndFormatsAndRejectsOthers) {
  Level l{};
  EXPECT_TRUE(parse_level("debug", l) && l == Level::kDebug);
  EXPECT_TRUE(parse_level("error", l) && l == Level::kError);
  EXPECT_FALSE(parse_level("INFO", l));
  EXPECT_FALSE(parse_level("", l));
  Format f{};
  EXPECT_TRUE(parse_format("json", f) && f == Format::kJson);
  EXPECT_FALSE(parse_format("xml", f));
}

TEST(Log, LevelFiltersLines) {
  setup(Format::kText, Level::kWarn);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kWarn));
  EXPECT_TRUE(enabled(Level::kError));
  setup(Format::kText, Level::kInfo);
  EXPECT_TRUE(enabled(Level::kInfo));
}

}  // namespace
}  // namespace ghost::log
