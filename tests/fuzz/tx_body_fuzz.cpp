// The body of POST /txs from an untrusted client (node/daemon/api.h tx_from_body): JSON
// {"tx": "HEX"} or the raw tx bytes. Nothing may crash; JSON that parses yields exactly the
// bytes its hex names, and anything else is passed on unchanged for the stateless checks.
#include <cstdlib>

#include "node/daemon/api.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> seeds = {
      R"({"tx": "0a0567686f7374120100"})", R"(  {"tx":""})", R"({"tx": 5})", R"({"other": "00"})",
      std::string("\x0a\x05ghost\x12\x01\x00", 10)};
  const std::string body = fuzz::seeded_text(seeds, data, size);
  auto r = daemon::tx_from_body(body);
  if (!r) return 0;
  if (r->empty()) std::abort();
  const auto start = body.find_first_not_of(" \t\r\n");
  if (body[start] != '{' && std::string(r->begin(), r->end()) != body) std::abort();
  return 0;
}
