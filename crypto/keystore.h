// Keystore files: one private key as JSON, encrypted at rest (scrypt + AES-256-GCM).
//
//   {"version":1,"address":"gc1...","pubkey":"<hex>","kdf":"scrypt",
//    "kdf_params":{"n":32768,"r":8,"p":1,"salt":"<hex>"},"cipher":"aes-256-gcm",
//    "iv":"<hex>","ciphertext":"<hex>","tag":"<hex>"}
//
// The AES key is scrypt(passphrase, salt); address and pubkey are authenticated as GCM
// additional data. Testnet keys may be stored in the clear ("kdf":"none", "cipher":"none",
// "secret":"<hex>"), and loading one needs an explicit allow_unencrypted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/keys.h"
#include "base/result.h"

namespace ghost {

struct ScryptParams {
  uint64_t n = uint64_t{1} << 15;  // CPU/memory cost, a power of two
  uint32_t r = 8;
  uint32_t p = 1;
};

struct Passphrase {
  std::string text;  // must not be empty
  ScryptParams scrypt{};
};
struct UnencryptedTestnetKey {};
using KeyProtection = std::variant<Passphrase, UnencryptedTestnetKey>;

struct KeystoreOptions {
  bool allow_unencrypted = false;  // the caller should warn loudly when this is used
  // Refuse files whose scrypt would touch more than this many bytes (128 * n * r * p).
  uint64_t max_scrypt_bytes = uint64_t{1} << 30;
};

// What a keystore says about itself, readable without the passphrase (not authenticated
// until the key is decrypted, but address and pubkey are checked against each other).
struct KeystoreInfo {
  Address address;
  PublicKey pubkey;
  bool encrypted = true;
};

inline constexpr size_t kMaxKeystoreBytes = 64 * 1024;

Result<std::string> encode_keystore(const PrivateKey& key, const KeyProtection& protection);
Result<PrivateKey> decode_keystore(std::string_view json, std::string_view passphrase,
                                   const KeystoreOptions& options = {});
Result<KeystoreInfo> inspect_keystore(std::string_view json);

// Writes atomically (temp file, fsync, rename) with mode 0600; never overwrites a file.
Result<void> save_keystore(const std::filesystem::path& path, const PrivateKey& key,
                           const KeyProtection& protection);
Result<PrivateKey> load_keystore(const std::filesystem::path& path, std::string_view passphrase,
                                 const KeystoreOptions& options = {});
Result<KeystoreInfo> inspect_keystore_file(const std::filesystem::path& path);

// A passphrase file's first line (a trailing \r dropped); an empty one is an error.
Result<std::string> read_passphrase_file(const std::filesystem::path& path);

}  // namespace ghost
