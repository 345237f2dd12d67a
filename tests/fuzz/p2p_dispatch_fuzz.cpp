// The receive path of a connected peer (node/p2p/dispatcher.h): a frame is opened, checked,
// deduplicated and handed to the node. Most inputs are edits (fuzz_seeds.h) of sealed
// envelopes of every payload kind. The node must only ever see a checked envelope whose
// message_id field is its id (empty for a direct message), never a handshake; an accepted
// message must be dropped when it comes again (a direct one delivered again), a declined one
// delivered again; a refused frame is refused the same way twice.
#include <cstdlib>

#include "node/p2p/dispatcher.h"
#include "tests/fuzz/envelope_seeds.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;
using namespace ghost::p2p;

namespace {

std::vector<Bytes> sealed_envelopes() {
  std::vector<Bytes> out;
  for (const auto& m : fuzz::sample_envelopes()) out.push_back(*seal(m).bytes);
  return out;
}

const PeerId kPeers[2] = {PrivateKey::from_seed("fuzz-a").public_key(), PrivateKey::from_seed("fuzz-b").public_key()};
bool g_accept = false;
int g_delivered = 0;

bool g_direct = false;

bool deliver(const PeerId&, const pb::Envelope& env) {
  const Hash32 id = message_id(env);
  g_direct = is_direct(env);
  const std::string want = g_direct ? std::string() : std::string(id.bytes.begin(), id.bytes.end());
  if (env.has_handshake() || env.payload_case() == pb::Envelope::PAYLOAD_NOT_SET || env.message_id() != want)
    std::abort();
  ++g_delivered;
  return g_accept;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Bytes> seeds = sealed_envelopes();
  static Dispatcher dispatcher(1 << 16, 64, {.on_height = [](const PeerId&, uint64_t) {}, .on_message = deliver});
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  ++data, --size;
  const bool text = mode & 1;
  g_accept = mode & 2;
  const Bytes frame = mode & 4 ? fuzz::edited(seeds[mode / 8 % seeds.size()], data, size) : Bytes(data, data + size);

  g_delivered = 0;
  const auto first = dispatcher.receive(kPeers[0], frame, text);
  const auto second = dispatcher.receive(kPeers[1], frame, text);
  if (first.has_value() != second.has_value()) std::abort();
  if (!first) {
    if (g_delivered != 0 || first.error().offence != second.error().offence) std::abort();
    return 0;
  }
  using O = Dispatcher::Outcome;
  const bool as_expected = *first == O::kAccepted && g_direct ? *second == O::kAccepted && g_delivered == 2
                           : *first == O::kAccepted            ? *second == O::kDuplicate && g_delivered == 1
                           : *first == O::kDeclined ? *second == O::kDeclined && g_delivered == 2
                                                    : *second == O::kDuplicate && g_delivered == 0;
  if (!as_expected) std::abort();
  return 0;
}
