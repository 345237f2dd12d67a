#include "crypto/keystore.h"

#include "base/file.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <boost/json.hpp>
#include <memory>
#include <set>

namespace ghost {
namespace {

namespace json = boost::json;

constexpr size_t kSaltBytes = 32, kIvBytes = 12, kTagBytes = 16, kSecretBytes = 32;
constexpr std::string_view kAadPrefix = "ghostchain/keystore/v1";
constexpr char kWrongPassphrase[] = "wrong passphrase or corrupted keystore";

// Byte buffers that held secret material are wiped when they go out of scope.
struct SecretBytes {
  Bytes b;
  explicit SecretBytes(size_t n = 0) : b(n) {}
  SecretBytes(SecretBytes&& o) noexcept : b(std::move(o.b)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    OPENSSL_cleanse(b.data(), b.size());
    b = std::move(o.b);
    return *this;
  }
  ~SecretBytes() { OPENSSL_cleanse(b.data(), b.size()); }
};

Bytes random_bytes(size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  return b;
}

Bytes aad_of(const KeystoreInfo& info) {
  Bytes aad(kAadPrefix.size() + info.address.bytes.size() + info.pubkey.bytes.size());
  uint8_t* p = aad.data();
  std::memcpy(p, kAadPrefix.data(), kAadPrefix.size());
  std::memcpy(p += kAadPrefix.size(), info.address.bytes.data(), info.address.bytes.size());
  std::memcpy(p + info.address.bytes.size(), info.pubkey.bytes.data(), info.pubkey.bytes.size());
  return aad;
}

Result<void> check_scrypt_params(const ScryptParams& s) {
  if (s.n < 2 || s.n > (uint64_t{1} << 30) || (s.n & (s.n - 1)) != 0)
    return fail("scrypt n must be a power of two between 2 and 2^30, got " + std::to_string(s.n));
  if (s.r < 1 || s.r > 1024) return fail("scrypt r must be between 1 and 1024, got " + std::to_string(s.r));
  if (s.p < 1 || s.p > 1024) return fail("scrypt p must be between 1 and 1024, got " + std::to_string(s.p));
  return {};
}

uint64_t scrypt_bytes(const ScryptParams& s) { return 128 * s.n * s.r * s.p; }  // < 2^57 once checked

Result<SecretBytes> derive_key(std::string_view passphrase, ByteSpan salt, const ScryptParams& s) {
  SecretBytes key(32);
  uint64_t maxmem = 128 * uint64_t{s.r} * (s.n + s.p + 2) + (1u << 16);
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(), salt.size(), s.n, s.r, s.p, maxmem,
                     key.b.data(), key.b.size()) != 1)
    return fail("scrypt key derivation failed (out of memory?)");
  return key;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-GCM; on decryption a tag mismatch is the only failure a caller can cause.
struct Sealed {
  Bytes ciphertext, tag;
};

Sealed seal(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  Sealed out{Bytes(plaintext.size()), Bytes(kTagBytes)};
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.ciphertext.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, out.tag.data()) != 1)
    throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  return out;
}

Result<SecretBytes> unseal(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan ciphertext, ByteSpan tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  SecretBytes plain(ciphertext.size());
  Bytes tag_copy(tag.begin(), tag.end());  // OpenSSL's ctrl takes a non-const pointer
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain.b.data(), &len, ciphertext.data(), static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag_copy.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain.b.data() + len, &len) != 1)
    return fail(Errc::kDenied, kWrongPassphrase);
  return plain;
}

// --- strict field access with messages that name the field ---

Result<const json::value*> field(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end()) return fail("keystore is missing the \"" + std::string(name) + "\" field");
  return &it->value();
}

Result<std::string_view> string_field(const json::object& o, std::string_view name) {
  auto v = field(o, name);
  if (!v) return std::unexpected(v.error());
  if (!(*v)->is_string()) return fail("keystore field \"" + std::string(name) + "\" must be a string");
  const json::string& s = (*v)->get_string();
  return std::string_view(s.data(), s.size());
}

Result<uint64_t> uint_field(const json::object& o, std::string_view name) {
  auto v = field(o, name);
  if (!v) return std::unexpected(v.error());
  if ((*v)->is_uint64()) return (*v)->get_uint64();
  if ((*v)->is_int64() && (*v)->get_int64() >= 0) return static_cast<uint64_t>((*v)->get_int64());
  return fail("keystore field \"" + std::string(name) + "\" must be a non-negative integer");
}

Result<Bytes> hex_field(const json::object& o, std::string_view name, size_t min_bytes, size_t max_bytes) {
  auto s = string_field(o, name);
  if (!s) return std::unexpected(s.error());
  auto b = from_hex(*s);
  if (!b) return fail(b.error(), "keystore field \"" + std::string(name) + "\": ");
  if (b->size() < min_bytes || b->size() > max_bytes) {
    std::string want = min_bytes == max_bytes ? std::to_string(min_bytes)
                                              : std::to_string(min_bytes) + " to " + std::to_string(max_bytes);
    return fail("keystore field \"" + std::string(name) + "\" must be " + want + " bytes, got " +
                std::to_string(b->size()));
  }
  return b;
}

Result<void> only_fields(const json::object& o, std::initializer_list<std::string_view> allowed, std::string_view where) {
  std::set<std::string_view> ok(allowed);
  for (const auto& kv : o)
    if (!ok.contains(std::string_view(kv.key())))
      return fail("unknown field \"" + std::string(kv.key()) + "\" in " + std::string(where));
  return {};
}

// Everything a keystore file states, checked for shape but not yet decrypted.
struct ParsedKeystore {
  KeystoreInfo info;
  ScryptParams scrypt;
  Bytes salt, iv, ciphertext, tag;
  SecretBytes secret;  // only for unencrypted keystores
};

// Binds `var` to the value of a Result, or returns its error.
#define GHOST_TRY(var, expr)                                   \
  auto var##_r = (expr);                                       \
  if (!var##_r) return std::unexpected(var##_r.error());       \
  auto var = std::move(*var##_r)

Result<ParsedKeystore> parse_keystore(std::string_view text) {
  if (text.size() > kMaxKeystoreBytes)
    return fail("keystore is " + std::to_string(text.size()) + " bytes, more than the " +
                std::to_string(kMaxKeystoreBytes) + " a keystore can be");
  boost::system::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return fail("keystore is not valid JSON: " + ec.message());
  if (!root.is_object()) return fail("keystore must be a JSON object");
  const json::object& o = root.get_object();

  GHOST_TRY(version, uint_field(o, "version"));
  if (version != 1) return fail("unsupported keystore version " + std::to_string(version) + " (this build reads version 1)");

  ParsedKeystore k;
  GHOST_TRY(address_text, string_field(o, "address"));
  GHOST_TRY(address, Address::parse(address_text));
  GHOST_TRY(pubkey_text, string_field(o, "pubkey"));
  GHOST_TRY(pubkey, PublicKey::from_hex(pubkey_text));
  if (Address::of(pubkey) != address) return fail("keystore address does not match its pubkey");
  k.info.address = address;
  k.info.pubkey = pubkey;

  GHOST_TRY(kdf, string_field(o, "kdf"));
  GHOST_TRY(cipher, string_field(o, "cipher"));
  if (kdf == "none") {
    if (auto r = only_fields(o, {"version", "address", "pubkey", "kdf", "cipher", "secret"}, "keystore"); !r)
      return std::unexpected(r.error());
    if (cipher != "none") return fail("an unencrypted keystore (kdf \"none\") must have cipher \"none\"");
    GHOST_TRY(secret, hex_field(o, "secret", kSecretBytes, kSecretBytes));
    k.info.encrypted = false;
    k.secret.b = std::move(secret);
    return k;
  }
  if (kdf != "scrypt") return fail("unsupported keystore kdf \"" + std::string(kdf) + "\" (expected \"scrypt\")");
  if (auto r = only_fields(o, {"version", "address", "pubkey", "kdf", "kdf_params", "cipher", "iv", "ciphertext", "tag"},
                           "keystore");
      !r)
    return std::unexpected(r.error());
  if (cipher != "aes-256-gcm")
    return fail("unsupported keystore cipher \"" + std::string(cipher) + "\" (expected \"aes-256-gcm\")");

  GHOST_TRY(params_value, field(o, "kdf_params"));
  if (!params_value->is_object()) return fail("keystore field \"kdf_params\" must be an object");
  const json::object& params = params_value->get_object();
  if (auto r = only_fields(params, {"n", "r", "p", "salt"}, "kdf_params"); !r) return std::unexpected(r.error());
  GHOST_TRY(n, uint_field(params, "n"));
  GHOST_TRY(r, uint_field(params, "r"));
  GHOST_TRY(p, uint_field(params, "p"));
  if (r > UINT32_MAX || p > UINT32_MAX) return fail("scrypt r and p must be at most 1024");
  k.scrypt = {n, static_cast<uint32_t>(r), static_cast<uint32_t>(p)};
  if (auto c = check_scrypt_params(k.scrypt); !c) return std::unexpected(c.error());
  GHOST_TRY(salt, hex_field(params, "salt", 16, 64));
  GHOST_TRY(iv, hex_field(o, "iv", kIvBytes, kIvBytes));
  GHOST_TRY(ciphertext, hex_field(o, "ciphertext", kSecretBytes, kSecretBytes));
  GHOST_TRY(tag, hex_field(o, "tag", kTagBytes, kTagBytes));
  k.salt = std::move(salt);
  k.iv = std::move(iv);
  k.ciphertext = std::move(ciphertext);
  k.tag = std::move(tag);
  return k;
}

Result<PrivateKey> key_matching(ByteSpan secret, const KeystoreInfo& info) {
  auto key = PrivateKey::from_bytes(secret);
  if (!key) return fail(key.error(), "keystore secret is not a valid key: ");
  if (key->public_key() != info.pubkey) return fail("keystore secret does not match its pubkey");
  return key;
}

// The keystore's text, wiped from memory by the caller once decoded.
Result<std::string> read_keystore_text(const std::filesystem::path& path) {
  auto bytes = read_file(path, kMaxKeystoreBytes);
  if (!bytes) {
    if (bytes.error().code == Errc::kTooLarge)
      return fail(Errc::kTooLarge, path.string() + " is larger than " + std::to_string(kMaxKeystoreBytes) + " bytes: not a keystore");
    return fail(bytes.error(), "keystore: ");
  }
  std::string text(bytes->begin(), bytes->end());
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return text;
}

}  // namespace

Result<std::string> encode_keystore(const PrivateKey& key, const KeyProtection& protection) {
  if (!PrivateKey::from_bytes(key.secret())) return fail("cannot store an empty or invalid private key");
  KeystoreInfo info{Address::of(key.public_key()), key.public_key(), true};
  json::object o;
  o["version"] = 1;
  o["address"] = info.address.str();
  o["pubkey"] = info.pubkey.hex();
  if (std::holds_alternative<UnencryptedTestnetKey>(protection)) {
    o["kdf"] = "none";
    o["cipher"] = "none";
    o["secret"] = to_hex(key.secret());
  } else {
    const auto& pass = std::get<Passphrase>(protection);
    if (pass.text.empty()) return fail("an empty passphrase does not protect a key; choose a passphrase");
    if (auto c = check_scrypt_params(pass.scrypt); !c) return std::unexpected(c.error());
    Bytes salt = random_bytes(kSaltBytes), iv = random_bytes(kIvBytes);
    GHOST_TRY(aes_key, derive_key(pass.text, salt, pass.scrypt));
    Sealed sealed = seal(aes_key.b, iv, aad_of(info), key.secret());
    o["kdf"] = "scrypt";
    o["kdf_params"] = json::object{{"n", pass.scrypt.n}, {"r", pass.scrypt.r}, {"p", pass.scrypt.p}, {"salt", to_hex(salt)}};
    o["cipher"] = "aes-256-gcm";
    o["iv"] = to_hex(iv);
    o["ciphertext"] = to_hex(sealed.ciphertext);
    o["tag"] = to_hex(sealed.tag);
  }
  std::string text = json::serialize(o);
  text += '\n';
  return text;
}

Result<KeystoreInfo> inspect_keystore(std::string_view json_text) {
  GHOST_TRY(k, parse_keystore(json_text));
  return k.info;
}

Result<PrivateKey> decode_keystore(std::string_view json_text, std::string_view passphrase,
                                   const KeystoreOptions& options) {
  GHOST_TRY(k, parse_keystore(json_text));
  if (!k.info.encrypted) {
    if (!options.allow_unencrypted)
      return fail(Errc::kDenied, "keystore holds an UNENCRYPTED key; loading it needs an explicit allow-unencrypted (testnets only)");
    return key_matching(k.secret.b, k.info);
  }
  if (scrypt_bytes(k.scrypt) > options.max_scrypt_bytes)
    return fail(Errc::kTooLarge, "keystore scrypt parameters need " + std::to_string(scrypt_bytes(k.scrypt)) + " bytes of work, over the limit of " +
                std::to_string(options.max_scrypt_bytes));
  GHOST_TRY(aes_key, derive_key(passphrase, k.salt, k.scrypt));
  GHOST_TRY(secret, unseal(aes_key.b, k.iv, aad_of(k.info), k.ciphertext, k.tag));
  return key_matching(secret.b, k.info);
}

Result<void> save_keystore(const std::filesystem::path& path, const PrivateKey& key, const KeyProtection& protection) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) || std::filesystem::is_symlink(path, ec))
    return fail(Errc::kExists, path.string() + " already exists; refusing to overwrite a key file (move it away first)");
  GHOST_TRY(text, encode_keystore(key, protection));
  auto w = write_file_atomic(path, as_bytes(text), {.mode = 0600, .replace = false});
  OPENSSL_cleanse(text.data(), text.size());
  if (!w && w.error().code == Errc::kExists)
    return fail(Errc::kExists, path.string() + " already exists; refusing to overwrite a key file (move it away first)");
  if (!w) return fail(w.error(), "cannot write keystore " + path.string() + ": ");
  return {};
}

Result<PrivateKey> load_keystore(const std::filesystem::path& path, std::string_view passphrase,
                                 const KeystoreOptions& options) {
  GHOST_TRY(text, read_keystore_text(path));
  auto key = decode_keystore(text, passphrase, options);
  OPENSSL_cleanse(text.data(), text.size());
  if (!key) return fail(key.error(), path.string() + ": ");
  return key;
}

Result<KeystoreInfo> inspect_keystore_file(const std::filesystem::path& path) {
  GHOST_TRY(text, read_keystore_text(path));
  auto info = inspect_keystore(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!info) return fail(info.error(), path.string() + ": ");
  return info;
}

Result<std::string> read_passphrase_file(const std::filesystem::path& path) {
  auto bytes = read_file(path, kMaxKeystoreBytes);
  if (!bytes) return fail(bytes.error(), "cannot read passphrase file: ");
  std::string text(bytes->begin(), bytes->end());
  OPENSSL_cleanse(bytes->data(), bytes->size());
  text.resize(std::min(text.find('\n'), text.size()));
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) return fail(path.string() + " is empty: put the passphrase on its first line");
  return text;
}

#undef GHOST_TRY

}  // namespace ghost
