// Structured log lines for the node: a level, the subsystem that speaks, a message for people
// and key=value fields for programs. Text by default, one JSON object per line with
// --log.format json. Thread-safe; lines below the configured level cost one comparison.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace ghost::log {

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError };
enum class Format : uint8_t { kText, kJson };

// A field's value: what log lines carry (hashes and addresses as hex text).
using Value = std::variant<std::string_view, std::string, int64_t, uint64_t, double, bool>;
struct Field {
  std::string_view key;
  Value value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, std::string&& v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
    requires std::is_integral_v<I>
  Field(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>) value = int64_t(v);
    else value = uint64_t(v);
  }
};

// Parses "debug", "info", "warn", "error" / "text", "json"; false on anything else.
bool parse_level(std::string_view s, Level& out);
bool parse_format(std::string_view s, Format& out);

// Where lines go (stderr, or appended to `file` when it is not empty) and which are kept.
// May be called again (later calls replace the earlier setup); before any call lines go
// to stderr as text at info.
void setup(Format format, Level level, const std::string& file = {});
bool enabled(Level level);

// One line: `module` names the subsystem (p2p, consensus, mempool, rpc, ...).
void write(Level level, std::string_view module, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view module, std::string_view message, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::kDebug)) write(Level::kDebug, module, message, fields);
}
inline void info(std::string_view module, std::string_view message, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::kInfo)) write(Level::kInfo, module, message, fields);
}
inline void warn(std::string_view module, std::string_view message, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::kWarn)) write(Level::kWarn, module, message, fields);
}
inline void error(std::string_view module, std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::kError, module, message, fields);
}

// The line write() would produce, without writing it (tests).
std::string format_line(Format format, Level level, std::string_view module, std::string_view message,
                        std::initializer_list<Field> fields, uint64_t unix_ms);

}  // namespace ghost::log
