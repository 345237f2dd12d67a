// Fuzz target: untrusted genesis bytes, binary and JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "consensus/ledger/genesis.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ghost;
  using namespace ghost::ledger;
  auto g = parse_genesis_binary(ByteSpan(data, size));
  if (g) {
    // Whatever parses is valid, and survives its own JSON form.
    if (!validate_genesis(*g)) std::abort();
    auto back = parse_genesis_json(genesis_to_json(*g));
    if (!back || genesis_hash(*back) != genesis_hash(*g)) std::abort();
  }
  (void)parse_genesis_json(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
