#include "node/log/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ghost::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};
std::mutex g_mu;
std::shared_ptr<spdlog::logger> g_logger;

constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};

std::shared_ptr<spdlog::logger> logger() {
  std::lock_guard lock(g_mu);
  if (!g_logger) {
    g_logger = std::make_shared<spdlog::logger>("ghost", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    g_logger->set_pattern("%v");
    g_logger->set_level(spdlog::level::trace);
    g_logger->flush_on(spdlog::level::trace);
  }
  return g_logger;
}

std::string timestamp(uint64_t unix_ms) {
  std::time_t secs = std::time_t(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, unsigned(unix_ms % 1000));
  return buf;
}

// Text values are quoted when they would not read back as one token.
void append_text_value(std::string& out, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>) {
          bool plain = !x.empty() && x.find_first_of(" \"=\n\t") == std::string_view::npos;
          if (plain) out.append(x);
          else out.append(boost::json::serialize(boost::json::value(boost::json::string_view(x.data(), x.size()))));
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          char b[32];
          std::snprintf(b, sizeof b, "%.6g", x);
          out.append(b);
        } else {
          out.append(std::to_string(x));
        }
      },
      v);
}

boost::json::value json_value(const Value& v) {
  return std::visit(
      [](const auto& x) -> boost::json::value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>)
          return boost::json::string(x.data(), x.size());
        else
          return x;
      },
      v);
}

uint64_t now_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

}  // namespace

bool parse_level(std::string_view s, Level& out) {
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (s == kNames[i]) return out = Level(i), true;
  return false;
}

bool parse_format(std::string_view s, Format& out) {
  if (s == "text") return out = Format::kText, true;
  if (s == "json") return out = Format::kJson, true;
  return false;
}

void setup(Format format, Level level, const std::string& file) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (file.empty()) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file);
  auto l = std::make_shared<spdlog::logger>("ghost", std::move(sink));
  l->set_pattern("%v");
  l->set_level(spdlog::level::trace);
  l->flush_on(spdlog::level::trace);  // a crash must not eat the lines before it
  {
    std::lock_guard lock(g_mu);
    g_logger = std::move(l);
  }
  g_format = format;
  g_level = level;
}

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

std::string format_line(Format format, Level level, std::string_view module, std::string_view message,
                        std::initializer_list<Field> fields, uint64_t unix_ms) {
  if (format == Format::kJson) {
    boost::json::object o;
    o["ts"] = timestamp(unix_ms);
    o["level"] = kNames[size_t(level)];
    o["module"] = module;
    o["msg"] = message;
    for (const auto& f : fields) o[f.key] = json_value(f.value);
    return boost::json::serialize(o);
  }
  std::string out = timestamp(unix_ms);
  out.push_back(' ');
  std::string lvl(kNames[size_t(level)]);
  for (auto& c : lvl) c = char(std::toupper(c));
  lvl.resize(5, ' ');
  out.append(lvl).push_back(' ');
  out.append(module).append(": ").append(message);
  for (const auto& f : fields) {
    out.push_back(' ');
    out.append(f.key).push_back('=');
    append_text_value(out, f.value);
  }
  return out;
}

void write(Level level, std::string_view module, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  std::string line = format_line(g_format.load(), level, module, message, fields, now_ms());
  logger()->info("{}", line);
}

}  // namespace ghost::log
