// A multiproof built from arbitrary bytes must be rejected or verified, never crash or hang.
#include <cstdlib>
#include <vector>

#include "crypto/merkle.h"

using namespace ghost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 10) return 0;
  merkle::Multiproof p;
  p.n = get_u64le(data) >> (data[8] % 64);
  size_t k = data[9] % 8, pos = 10;
  std::vector<ByteSpan> leaves;
  for (size_t j = 0; j < k && pos + 9 <= size; ++j, pos += 9) {
    p.indices.push_back(get_u64le(data + pos) >> (data[pos + 8] % 64));
    leaves.emplace_back(data + pos, 9);
  }
  for (; pos + 32 <= size; pos += 32) p.helpers.push_back(Hash32::from_span(ByteSpan(data + pos, 32)));
  auto root = merkle::multiproof_root(p, leaves);
  if (root && !merkle::verify_multiproof(p, leaves, *root)) std::abort();
  return 0;
}
