// Weight files a user hands to `ghost model import` (.npy, safetensors, .npz): parsing never
// crashes, and an accepted array holds exactly as many values as its shape says. Inputs are
// mostly edits of a valid .npy and a valid safetensors file so the checks behind the headers run.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_seeds.h"
#include "ml/serve/array_file.h"

using namespace ghost;

namespace {

Bytes with_header(Bytes prefix, const std::string& header, size_t data_bytes) {
  prefix.insert(prefix.end(), header.begin(), header.end());
  for (size_t i = 0; i < data_bytes; ++i) prefix.push_back(uint8_t(0x3f + i));
  return prefix;
}

const Bytes kNpy = [] {
  const std::string h = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }      \n";
  return with_header({0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(h.size()), 0}, h, 24);
}();

const Bytes kSafetensors = [] {
  const std::string h = R"({"__metadata__":{"L0.k":"4"},"W_K":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},)"
                        R"("W_V":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
  Bytes len;
  for (int i = 0; i < 8; ++i) len.push_back(uint8_t(uint64_t(h.size()) >> (8 * i)));
  return with_header(len, h, 12);
}();

void check(const ml::Array& a) {
  if (a.values.size() != a.count()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool seeds_parse = ml::parse_npy(kNpy).has_value() && ml::parse_safetensors(kSafetensors).has_value();
  if (!seeds_parse) std::abort();  // edits of an invalid seed would test only the first check
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 4;
  ++data, --size;
  if (mode == 0) {
    if (auto a = ml::parse_npy(fuzz::edited(kNpy, data, size))) check(*a);
  } else if (mode == 1) {
    if (auto r = ml::parse_safetensors(fuzz::edited(kSafetensors, data, size)))
      for (const auto& [name, a] : *r) check(a);
  } else if (mode == 2) {
    if (auto r = ml::parse_npz(ByteSpan(data, size)))
      for (const auto& [name, a] : *r) check(a);
  } else {
    const ByteSpan raw(data, size);
    if (auto a = ml::parse_npy(raw)) check(*a);
    if (auto r = ml::parse_safetensors(raw)) for (const auto& [name, a] : *r) check(a);
  }
  return 0;
}
