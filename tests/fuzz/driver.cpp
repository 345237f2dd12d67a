// Stand-in for libFuzzer when building with gcc: feeds a fuzz target seeded random inputs
// and mutations of earlier inputs, so every decoder target also runs as a ctest case.
//   TARGET [--runs N] [--seed S]     N >= 1 (default 10000), S >= 0 (default 1), decimal
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The whole of `text` as a decimal u64: no sign, no spaces, no trailing characters.
std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t v = 0;
  if (text.empty() || text[0] < '0' || text[0] > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

int usage(const char* argv0, const std::string& why) {
  std::fprintf(stderr, "%s: %s\nusage: %s [--runs N] [--seed S]  (N a decimal count >= 1, S a decimal seed)\n", argv0,
               why.c_str(), argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t runs = 10000, seed = 1;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag != "--runs" && flag != "--seed") return usage(argv[0], "unknown argument '" + std::string(flag) + "'");
    if (i + 1 >= argc) return usage(argv[0], std::string(flag) + " needs a value");
    auto v = parse_u64(argv[i + 1]);
    if (!v) return usage(argv[0], std::string(flag) + " '" + argv[i + 1] + "' is not a decimal number");
    if (flag == "--runs") {
      if (*v == 0) return usage(argv[0], "--runs 0 would run no input");
      runs = *v;
    } else {
      seed = *v;
    }
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
