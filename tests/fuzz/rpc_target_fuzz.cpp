// HTTP request targets come from anyone: parse_target refuses one or decodes it into a path
// that starts with '/' and holds no control character, and a query without empty keys; the
// result, encoded again, parses back to itself. Most inputs are edits (fuzz_seeds.h) of valid
// targets, so the escapes and the query split are reached rather than the first check.
#include <cstdlib>
#include <string>
#include <vector>

#include "node/rpc/target.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Every byte but letters, digits and "-._~/" as %XX: the text that decodes to exactly `s`.
std::string encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) out += char(c);
    else out.append({'%', kHex[c >> 4], kHex[c & 15]});
  }
  return out;
}

const std::vector<std::string> kValidTargets = {"/status",
                                               "/blocks/12?x=1",
                                               "/txs?mode=commit&timeout=5",
                                               "/accounts/gc1%41?a=%20b+c&d",
                                               "/a%2Fb?k=%e2%82%ac&&z=",
                                               "/jobs/00ff?wait=1&from=%2B3"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto target = rpc::parse_target(fuzz::seeded_text(kValidTargets, data, size));
  if (!target) return 0;
  check(!target->path.empty() && target->path[0] == '/');
  for (unsigned char c : target->path) check(c >= 0x20 && c != 0x7f);
  std::string again = encode(target->path);
  char separator = '?';
  for (const auto& [key, value] : target->query) {
    check(!key.empty());
    again += separator + encode(key) + "=" + encode(value);
    separator = '&';
  }
  auto back = rpc::parse_target(again);
  check(back && back->path == target->path && back->query == target->query);
  return 0;
}
