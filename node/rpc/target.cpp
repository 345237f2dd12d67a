#include "node/rpc/target.h"

namespace ghost::rpc {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += plus_is_space && s[i] == '+' ? ' ' : s[i];
      continue;
    }
    const int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
    if (lo < 0) return fail("malformed %-escape '" + std::string(s.substr(i, 3)) + "'");
    out += char(hi << 4 | lo);
    i += 2;
  }
  return out;
}

}  // namespace

Result<Target> parse_target(std::string_view target) {
  if (target.empty() || target[0] != '/') return fail("the request target must be a path starting with '/'");
  const size_t q = target.find('?');
  Target out;
  auto path = decode(target.substr(0, q), false);
  if (!path) return std::unexpected(path.error());
  for (unsigned char c : *path)
    if (c < 0x20 || c == 0x7f) return fail("control character in the path");
  out.path = std::move(*path);
  if (q == std::string_view::npos) return out;

  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    const size_t eq = pair.find('=');
    auto key = decode(pair.substr(0, eq), true);
    if (!key) return std::unexpected(key.error());
    auto value = decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!value) return std::unexpected(value.error());
    if (key->empty()) return fail("empty query parameter name");
    if (!out.query.emplace(*key, std::move(*value)).second) return fail("query parameter '" + *key + "' given twice");
  }
  return out;
}

}  // namespace ghost::rpc
