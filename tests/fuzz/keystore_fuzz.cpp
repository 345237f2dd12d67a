// Keystore decoding from arbitrary bytes, and from small edits of valid keystores.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/keystore.h"

using namespace ghost;

namespace {

// Written by encode_keystore for PrivateKey::from_seed("fuzz"), passphrase "fuzz", n=16 r=1 p=1.
constexpr std::string_view kEncrypted =
    R"({"version":1,"address":"gc1899830818afa9620b2e391e90ce49b7572e17123","pubkey":"72b5c72403e62e3eecbf6a623fbde3416c4264a22ba40ee734e901b48fd85f2a","kdf":"scrypt","kdf_params":{"n":16,"r":1,"p":1,"salt":"ff0e2ae4d755425dde6adbc770dc50816008b7feac50560c5e1c53deebc2407d"},"cipher":"aes-256-gcm","iv":"22ac1a0c068313185640c366","ciphertext":"9def6df398a806cc5bd97ccb372c2f600e453544e0c60b59e9419b5b376e37b3","tag":"59177672f6bdf1df5e33d76f151106e8"})";
constexpr std::string_view kUnencrypted =
    R"({"version":1,"address":"gc1899830818afa9620b2e391e90ce49b7572e17123","pubkey":"72b5c72403e62e3eecbf6a623fbde3416c4264a22ba40ee734e901b48fd85f2a","kdf":"none","cipher":"none","secret":"93850b707585e404e4951a3ddc1f05a34b3d4f5fc081d616f46d8a2e8f1c8e68"})";

// Scrypt work stays tiny whatever parameters a mutated file asks for.
const KeystoreOptions kCheap{.allow_unencrypted = true, .max_scrypt_bytes = 1 << 16};

void check(bool ok) {
  if (!ok) std::abort();
}

// Applies the first few (position, byte) pairs of the input as edits, mostly with characters
// that keep the text JSON so that the checks behind the parser are reached.
std::string mutate(std::string_view base, const uint8_t* data, size_t size) {
  static constexpr char kJsonish[] = "0123456789abcdefABCDEF\"{}[],:-.e x\\";
  std::string s(base);
  for (size_t i = 0; i + 1 < size && i < 8 && !s.empty(); i += 2) {
    size_t pos = data[i] * s.size() / 256;
    uint8_t b = data[i + 1];
    if (b == 0) s.resize(pos);
    else if (b < 240) s[pos] = kJsonish[b % (sizeof kJsonish - 1)];
    else s[pos] = static_cast<char>(b);
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string kSecret = to_hex(PrivateKey::from_seed("fuzz").secret());
  if (size == 0) return 0;
  std::string text;
  switch (data[0] % 3) {
    case 0: text.assign(reinterpret_cast<const char*>(data + 1), size - 1); break;
    case 1: text = mutate(kEncrypted, data + 1, size - 1); break;
    default: text = mutate(kUnencrypted, data + 1, size - 1); break;
  }
  auto info = inspect_keystore(text);
  auto key = decode_keystore(text, "fuzz", kCheap);
  if (key) {
    check(info.has_value());
    check(to_hex(key->secret()) == kSecret);  // an edit may be harmless, never a different key
  }
  auto strict = decode_keystore(text, "fuzz", {.max_scrypt_bytes = 1 << 16});
  if (strict) check(info && info->encrypted);
  return 0;
}
