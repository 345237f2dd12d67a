// Valid starting points for the fuzz targets: random bytes almost never parse as a signed
// consensus message or a genesis, so a target that only sees them stops at the first
// rejection. Each target reads part of its input as edits of one of these valid messages
// (libFuzzer and the ctest driver alike), which keeps the decoders passing and the checks
// behind them (membership, signatures, quorum, validation) running.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace ghost::fuzz {

// `base` with the input applied as a few edits: the first byte says how many (1 to 4), then
// each 3-byte group (position low, position high, value) xors a byte, or deletes it for
// value 0, or inserts one for value 0xff; an input of length 5k also truncates. The result
// stays close to valid.
inline Bytes edited(const Bytes& base, const uint8_t* data, size_t size) {
  Bytes out = base;
  if (size == 0) return out;
  const size_t groups = 1 + data[0] % 4;
  ++data, --size;
  for (size_t i = 0; i + 2 < size && i < 3 * groups && !out.empty(); i += 3) {
    size_t pos = (data[i] | size_t(data[i + 1]) << 8) % out.size();
    if (data[i + 2] == 0) out.erase(out.begin() + pos);
    else if (data[i + 2] == 0xff) out.insert(out.begin() + pos, data[i]);
    else out[pos] ^= data[i + 2];
  }
  if (size % 5 == 0 && !out.empty()) out.resize(out.size() - 1 - size % out.size());
  return out;
}

// A text input (for parsers of text): three in four are edits of the seed the first byte
// picks, the rest are the bytes after it as they are.
inline std::string seeded_text(const std::vector<std::string>& seeds, const uint8_t* data, size_t size) {
  if (size == 0) return {};
  const uint8_t mode = data[0];
  ++data, --size;
  if (mode % 4 == 0) return std::string(reinterpret_cast<const char*>(data), size);
  const std::string& seed = seeds[mode / 4 % seeds.size()];
  const Bytes out = edited(Bytes(seed.begin(), seed.end()), data, size);
  return std::string(out.begin(), out.end());
}

}  // namespace ghost::fuzz
