// Arbitrary bytes as wire leaves: decoding never crashes, and whatever decodes re-encodes to
// something that decodes to the same canonical bytes.
#include <cstdint>
#include <cstdlib>

#include "ml/leaf_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  auto encoding = static_cast<ghost::pb::LeafEncoding>(data[0] % 4);
  size_t count = data[1] % 20, leaf_bytes = 4 * (data[2] % 40);
  ghost::ByteSpan wire(data + 3, size - 3);
  auto leaves = ghost::ml::decode_leaves(wire, encoding, count, leaf_bytes);
  if (!leaves) return 0;
  if (leaves->size() != count * leaf_bytes) std::abort();
  for (auto enc : {ghost::pb::LEAVES_RAW, ghost::pb::LEAVES_DELTA_ZSTD, ghost::pb::LEAVES_ZSTD}) {
    auto again = ghost::ml::decode_leaves(ghost::ml::encode_leaves(*leaves, leaf_bytes, enc), enc, count, leaf_bytes);
    if (!again || *again != *leaves) std::abort();
  }
  return 0;
}
