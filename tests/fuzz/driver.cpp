// Stand-in for libFuzzer when building with gcc: feeds a fuzz target seeded random inputs
// and mutations of earlier inputs, so every decoder target also runs as a ctest case.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  uint64_t runs = 10000, seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> pool{{}};
  for (uint64_t r = 0; r < runs; ++r) {
    std::vector<uint8_t> in;
    if (rng() % 2 && !pool.empty()) {
      in = pool[rng() % pool.size()];
      for (int m = 0, n = 1 + rng() % 8; m < n; ++m) {
        switch (rng() % 4) {
          case 0: if (!in.empty()) in[rng() % in.size()] ^= uint8_t(1u << (rng() % 8)); break;
          case 1: in.insert(in.begin() + (in.empty() ? 0 : rng() % in.size()), uint8_t(rng())); break;
          case 2: if (!in.empty()) in.erase(in.begin() + rng() % in.size()); break;
          default: if (!in.empty()) in.resize(rng() % in.size()); break;
        }
      }
    } else {
      in.resize(rng() % 512);
      for (auto& b : in) b = uint8_t(rng());
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
    if (pool.size() < 256) pool.push_back(in);
    else pool[rng() % pool.size()] = in;
  }
  std::printf("%llu runs, seed %llu: no crash\n", (unsigned long long)runs, (unsigned long long)seed);
  return 0;
}
