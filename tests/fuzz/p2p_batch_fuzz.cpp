// The batch decoder (node/p2p/frame.h, open_batch): bytes a peer sends as one WebSocket
// message. Half the inputs are edits (fuzz_seeds.h) of a sealed batch of three frames. Every
// frame it returns must lie inside the input and not be a batch itself; what it accepts must
// agree with protobuf's reading of the same bytes as an Envelope{batch}, and sealing the frames
// again must give frames that open to the same ones.
#include <cstdlib>

#include "node/p2p/frame.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;
using namespace ghost::p2p;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Bytes seed = [] {
    const Bytes a{1, 2, 3}, b(300, 7), c;
    const ByteSpan frames[] = {a, b, c};
    return seal_batch(frames);
  }();
  const bool edit = size > 0 && data[0] % 2 == 0;
  const Bytes bytes = edit ? fuzz::edited(seed, data + 1, size - 1) : Bytes(data, data + size);
  auto batch = open_batch(bytes);
  if (!batch) {
    if (!bytes.empty() && bytes[0] == ((pb::Envelope::kBatchFieldNumber << 3) | 2)) std::abort();
    return 0;
  }
  if (!*batch) {
    const Offence o = batch->error().offence;
    if (o != Offence::kUndecodable && o != Offence::kProtocol) std::abort();
    return 0;
  }
  const std::vector<ByteSpan>& frames = **batch;
  if (frames.empty()) std::abort();
  pb::Envelope env;
  if (!env.ParseFromArray(bytes.data(), int(bytes.size())) || !env.has_batch() ||
      env.batch().frames_size() != int(frames.size()))
    std::abort();
  for (size_t i = 0; i < frames.size(); ++i) {
    const ByteSpan f = frames[i];
    if (f.data() < bytes.data() || f.data() + f.size() > bytes.data() + bytes.size()) std::abort();
    if (!f.empty() && f[0] == bytes[0]) std::abort();
    if (!std::ranges::equal(f, as_bytes(env.batch().frames(int(i))))) std::abort();
  }
  const Bytes again = seal_batch(frames);
  auto reopened = open_batch(again);
  if (!reopened || !*reopened || (*reopened)->size() != frames.size()) std::abort();
  for (size_t i = 0; i < frames.size(); ++i)
    if (!std::ranges::equal((**reopened)[i], frames[i])) std::abort();
  return 0;
}
