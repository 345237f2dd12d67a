// P2P envelopes arrive from anyone: decoding arbitrary bytes must fail cleanly or round-trip.
#include <cstdlib>

#include "proto/decode.h"
#include "proto/p2p.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto env = ghost::pb::decode_as<ghost::pb::Envelope>(ghost::ByteSpan(data, size));
  if (env) {
    auto again = ghost::pb::decode_as<ghost::pb::Envelope>(ghost::pb::encode(*env));
    if (!again) std::abort();
  }
  return 0;
}
