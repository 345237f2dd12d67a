// Address parsing, public key parsing and signature verification on arbitrary bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/keys.h"

using namespace ghost;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Mode 0 feeds raw text; modes 1-2 put "gc1" in front so the checks past the prefix run too.
std::string address_text(const uint8_t* data, size_t size) {
  if (size == 0) return {};
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: return std::string(rest);
    case 1: return "gc1" + std::string(rest);
    default: {
      static constexpr char kMostlyHex[] = "0123456789abcdef0123456789abcdefABCDEFgx";
      std::string s = "gc1";
      for (char c : rest) s += kMostlyHex[static_cast<uint8_t>(c) % (sizeof kMostlyHex - 1)];
      return s;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = address_text(data, size);
  if (auto a = Address::parse(text)) check(a->str() == text);  // only the canonical form parses

  ByteSpan in(data, size);
  if (size >= 32) {
    if (auto pk = PublicKey::from_bytes(in.first(32))) {
      auto again = PublicKey::from_hex(pk->hex());
      check(again && *again == *pk);
      auto addr = Address::parse(Address::of(*pk).str());
      check(addr && *addr == Address::of(*pk));
    }
  }
  if (size >= 128) {
    PublicKey pk;  // deliberately unchecked: verification must fail closed on any bytes
    std::copy_n(data, 32, pk.bytes.begin());
    Signature sig = *Signature::from_bytes(in.subspan(32, 64));
    Hash32 digest = Hash32::from_span(in.subspan(96, 32));
    // Bytes nobody signed never verify (a forgery by chance is out of reach), and the answer
    // is the one a freshly parsed copy of the key gives (or the key does not parse at all).
    const bool ok = verify_hash(pk, digest, sig);
    check(!ok);
    auto parsed = PublicKey::from_bytes(in.first(32));
    check(!parsed || verify_hash(*parsed, digest, sig) == ok);
  }

  // A real signature over this input verifies, and breaking any bit of it does not
  // (on a quarter of the inputs: signing dominates the cost of a run).
  if (size % 4 != 0) return 0;
  PrivateKey key = PrivateKey::from_seed(std::string_view(reinterpret_cast<const char*>(data), size));
  auto domain = static_cast<SignDomain>(size / 4 % 4);
  Signature sig = key.sign(domain, "fuzz-chain", in);
  check(verify(key.public_key(), domain, "fuzz-chain", in, sig));
  if (size > 0) {
    sig.bytes[data[0] % 64] ^= static_cast<uint8_t>(1u << (data[size - 1] % 8));
    check(!verify(key.public_key(), domain, "fuzz-chain", in, sig));
  }
  return 0;
}
