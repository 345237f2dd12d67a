// P2P envelopes arrive from anyone: decoding arbitrary bytes must fail cleanly or round-trip
// to the same bytes' meaning. Most inputs are edits (fuzz_seeds.h) of valid envelopes, one
// per payload kind (envelope_seeds.h).
#include <cstdlib>

#include "proto/decode.h"
#include "proto/p2p.pb.h"
#include "tests/fuzz/envelope_seeds.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

namespace {

std::vector<Bytes> valid_envelopes() {
  std::vector<pb::Envelope> e = fuzz::sample_envelopes();
  std::vector<Bytes> out;
  for (size_t i = 0; i < e.size(); ++i) {
    e[i].set_message_id(std::string(16, char('0' + i)));
    out.push_back(pb::encode(e[i]));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Bytes> seeds = valid_envelopes();
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  ++data, --size;
  const Bytes in = mode % 4 ? fuzz::edited(seeds[mode / 4 % seeds.size()], data, size) : Bytes(data, data + size);
  auto env = pb::decode_as<pb::Envelope>(in);
  if (env) {
    const Bytes once = pb::encode(*env);
    auto again = pb::decode_as<pb::Envelope>(once);
    // Encoding what was decoded is a fixed point: the same payload kind, the same bytes.
    if (!again || again->payload_case() != env->payload_case() || pb::encode(*again) != once) std::abort();
  }
  return 0;
}
