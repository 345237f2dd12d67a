// Keystore files: encryption round trips and every way a keystore can be wrong (crypto/keystore.h).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <random>
#include <string>

#include "crypto/keystore.h"

namespace ghost {
namespace {

namespace json = boost::json;

const ScryptParams kCheap{16, 1, 1};  // real scrypt, negligible cost: keeps tests fast
constexpr char kWrong[] = "wrong passphrase or corrupted keystore";

Passphrase pass(std::string text) { return Passphrase{std::move(text), kCheap}; }

std::string encode(const PrivateKey& k, const KeyProtection& p) {
  auto r = encode_keystore(k, p);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r.value_or("");
}

json::object as_object(const std::string& text) { return json::parse(text).as_object(); }
std::string str(const json::object& o) { return json::serialize(o); }

void expect_error(const Result<PrivateKey>& r, std::string_view reason) {
  ASSERT_FALSE(r.has_value()) << "expected an error containing: " << reason;
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

TEST(Keystore, EncryptedRoundTrip) {
  for (int i = 0; i < 5; ++i) {
    PrivateKey key = PrivateKey::from_seed("ks-" + std::to_string(i));
    std::string text = encode(key, pass("correct horse " + std::to_string(i)));
    auto back = decode_keystore(text, "correct horse " + std::to_string(i));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(to_hex(back->secret()), to_hex(key.secret()));
    EXPECT_EQ(text.find(to_hex(key.secret())), std::string::npos) << "secret leaked in the clear";
  }
}

TEST(Keystore, DefaultScryptParamsRoundTrip) {
  PrivateKey key = PrivateKey::from_seed("default");
  std::string text = encode(key, Passphrase{"pw"});
  json::object o = as_object(text);
  EXPECT_EQ(o["kdf_params"].as_object()["n"].to_number<uint64_t>(), 32768u);
  EXPECT_EQ(o["kdf_params"].as_object()["r"].to_number<uint64_t>(), 8u);
  EXPECT_EQ(o["kdf_params"].as_object()["p"].to_number<uint64_t>(), 1u);
  auto back = decode_keystore(text, "pw");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->public_key(), key.public_key());
}

TEST(Keystore, FileLayoutIsAsDocumented) {
  PrivateKey key = PrivateKey::from_seed("layout");
  json::object o = as_object(encode(key, pass("pw")));
  EXPECT_EQ(o["version"].to_number<int>(), 1);
  EXPECT_EQ(o["address"].as_string(), Address::of(key.public_key()).str());
  EXPECT_EQ(o["pubkey"].as_string(), key.public_key().hex());
  EXPECT_EQ(o["kdf"].as_string(), "scrypt");
  EXPECT_EQ(o["cipher"].as_string(), "aes-256-gcm");
  EXPECT_EQ(o["iv"].as_string().size(), 24u);
  EXPECT_EQ(o["ciphertext"].as_string().size(), 64u);
  EXPECT_EQ(o["tag"].as_string().size(), 32u);
  EXPECT_EQ(o["kdf_params"].as_object()["salt"].as_string().size(), 64u);
}

// Decrypts a keystore with OpenSSL directly, following only the documented format: the
// file is readable by any implementation, not just this one.
TEST(Keystore, IndependentDecryptionFollowingTheSpec) {
  PrivateKey key = PrivateKey::from_seed("interop");
  json::object o = as_object(encode(key, pass("pw")));
  auto hexf = [&](json::object& obj, const char* f) { return from_hex(std::string(obj[f].as_string())).value(); };
  json::object& kp = o["kdf_params"].as_object();
  Bytes salt = hexf(kp, "salt"), iv = hexf(o, "iv"), ct = hexf(o, "ciphertext"), tag = hexf(o, "tag");
  uint8_t aes[32];
  ASSERT_EQ(EVP_PBE_scrypt("pw", 2, salt.data(), salt.size(), 16, 1, 1, 0, aes, 32), 1);
  std::string aad = "ghostchain/keystore/v1";
  Address addr = Address::of(key.public_key());
  aad.append(reinterpret_cast<const char*>(addr.bytes.data()), 20);
  aad.append(reinterpret_cast<const char*>(key.public_key().bytes.data()), 32);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes plain(32);
  int len = 0;
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, aes, iv.data()), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()), int(aad.size())), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, plain.data(), &len, ct.data(), int(ct.size())), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
  EXPECT_EQ(EVP_DecryptFinal_ex(ctx, plain.data() + len, &len), 1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(to_hex(plain), to_hex(key.secret()));
}

// Written by an earlier build (PrivateKey::from_seed("fuzz"), passphrase "fuzz", n=16 r=1 p=1):
// files on disk must stay readable.
TEST(Keystore, ReadsAPinnedKeystore) {
  constexpr std::string_view kPinned =
      R"({"version":1,"address":"gc1899830818afa9620b2e391e90ce49b7572e17123","pubkey":"72b5c72403e62e3eecbf6a623fbde3416c4264a22ba40ee734e901b48fd85f2a","kdf":"scrypt","kdf_params":{"n":16,"r":1,"p":1,"salt":"ff0e2ae4d755425dde6adbc770dc50816008b7feac50560c5e1c53deebc2407d"},"cipher":"aes-256-gcm","iv":"22ac1a0c068313185640c366","ciphertext":"9def6df398a806cc5bd97ccb372c2f600e453544e0c60b59e9419b5b376e37b3","tag":"59177672f6bdf1df5e33d76f151106e8"})";
  auto key = decode_keystore(kPinned, "fuzz");
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_EQ(to_hex(key->secret()), to_hex(PrivateKey::from_seed("fuzz").secret()));
}

TEST(Keystore, FreshSaltAndIvEveryTime) {
  PrivateKey key = PrivateKey::from_seed("fresh");
  json::object a = as_object(encode(key, pass("pw"))), b = as_object(encode(key, pass("pw")));
  EXPECT_NE(a["iv"], b["iv"]);
  EXPECT_NE(a["kdf_params"].as_object()["salt"], b["kdf_params"].as_object()["salt"]);
  EXPECT_NE(a["ciphertext"], b["ciphertext"]);
}

TEST(Keystore, WrongPassphraseIsRejected) {
  std::string text = encode(PrivateKey::from_seed("wp"), pass("right"));
  for (std::string_view wrong : {"wrong", "", "right ", "Right", "righ"}) expect_error(decode_keystore(text, wrong), kWrong);
}

TEST(Keystore, UnencryptedNeedsExplicitPermission) {
  PrivateKey key = PrivateKey::from_seed("testnet-validator-0");
  std::string text = encode(key, UnencryptedTestnetKey{});
  expect_error(decode_keystore(text, ""), "UNENCRYPTED");
  expect_error(decode_keystore(text, "any passphrase"), "UNENCRYPTED");
  auto back = decode_keystore(text, "", {.allow_unencrypted = true});
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_hex(back->secret()), to_hex(key.secret()));
  auto info = inspect_keystore(text);
  ASSERT_TRUE(info.has_value());
  EXPECT_FALSE(info->encrypted);
}

TEST(Keystore, EncodeRefusesBadInputs) {
  PrivateKey key = PrivateKey::from_seed("enc");
  auto empty_pass = encode_keystore(key, Passphrase{"", kCheap});
  ASSERT_FALSE(empty_pass.has_value());
  EXPECT_NE(empty_pass.error().message.find("empty passphrase"), std::string::npos);
  for (ScryptParams bad : {ScryptParams{0, 1, 1}, ScryptParams{1, 1, 1}, ScryptParams{1000, 1, 1},
                           ScryptParams{uint64_t{1} << 31, 1, 1}, ScryptParams{16, 0, 1}, ScryptParams{16, 1, 0},
                           ScryptParams{16, 2000, 1}}) {
    auto r = encode_keystore(key, Passphrase{"pw", bad});
    ASSERT_FALSE(r.has_value()) << bad.n << " " << bad.r << " " << bad.p;
    EXPECT_NE(r.error().message.find("scrypt"), std::string::npos);
  }
  EXPECT_FALSE(encode_keystore(PrivateKey{}, UnencryptedTestnetKey{}).has_value());
}

TEST(Keystore, InspectShowsPublicPartWithoutPassphrase) {
  PrivateKey key = PrivateKey::from_seed("inspect");
  auto info = inspect_keystore(encode(key, pass("pw")));
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_TRUE(info->encrypted);
  EXPECT_EQ(info->pubkey, key.public_key());
  EXPECT_EQ(info->address, Address::of(key.public_key()));
}

// --- every field missing or corrupted gives its own clear error ---

TEST(KeystoreMalformed, EveryMissingFieldIsNamed) {
  json::object enc = as_object(encode(PrivateKey::from_seed("m"), pass("pw")));
  for (const auto& kv : enc) {
    json::object o = enc;
    o.erase(kv.key());
    std::string name(kv.key());
    expect_error(decode_keystore(str(o), "pw"), "missing the \"" + name + "\"");
  }
  for (const char* f : {"n", "r", "p", "salt"}) {
    json::object o = enc;
    o["kdf_params"].as_object().erase(f);
    expect_error(decode_keystore(str(o), "pw"), std::string("missing the \"") + f + "\"");
  }
  json::object plain = as_object(encode(PrivateKey::from_seed("m"), UnencryptedTestnetKey{}));
  plain.erase("secret");
  expect_error(decode_keystore(str(plain), "", {.allow_unencrypted = true}), "missing the \"secret\"");
}

json::value js(std::string_view s) { return json::string(s); }

struct Corruption {
  const char* field;  // "kdf_params.x" for nested fields
  json::value value;
  const char* reason;
};

TEST(KeystoreMalformed, EveryCorruptedFieldIsRejected) {
  PrivateKey key = PrivateKey::from_seed("c");
  PrivateKey other = PrivateKey::from_seed("other");
  json::object enc = as_object(encode(key, pass("pw")));
  std::string iv = std::string(enc["iv"].as_string()), tag = std::string(enc["tag"].as_string());
  std::string ct = std::string(enc["ciphertext"].as_string()), salt(enc["kdf_params"].as_object()["salt"].as_string());
  auto flip = [](std::string h) { h[0] = h[0] == '0' ? '1' : '0'; return h; };

  const Corruption cases[] = {
      {"version", 2, "unsupported keystore version 2"},
      {"version", 0, "unsupported keystore version 0"},
      {"version", js("1"), "non-negative integer"},
      {"version", -1, "non-negative integer"},
      {"version", 1.0, "non-negative integer"},
      {"address", js(Address::of(other.public_key()).str()), "address does not match its pubkey"},
      {"address", js("GC1" + std::string(40, '0')), "starts with"},
      {"address", 7, "must be a string"},
      {"pubkey", js(other.public_key().hex()), "address does not match its pubkey"},
      {"pubkey", js("00"), "64 hex digits"},
      {"pubkey", js("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34"), "not the x-coordinate"},
      {"pubkey", nullptr, "must be a string"},
      {"kdf", js("pbkdf2"), "unsupported keystore kdf"},
      {"kdf", json::array{}, "must be a string"},
      {"cipher", js("aes-128-gcm"), "unsupported keystore cipher"},
      {"cipher", js("none"), "unsupported keystore cipher"},
      {"kdf_params", js("n=16"), "must be an object"},
      {"kdf_params.n", 1000, "power of two"},
      {"kdf_params.n", 0, "power of two"},
      {"kdf_params.n", uint64_t{1} << 31, "power of two"},
      {"kdf_params.n", 32, kWrong},
      {"kdf_params.n", -16, "non-negative integer"},
      {"kdf_params.r", 0, "scrypt r"},
      {"kdf_params.r", 2, kWrong},
      {"kdf_params.r", uint64_t{1} << 40, "scrypt r and p"},
      {"kdf_params.p", 0, "scrypt p"},
      {"kdf_params.p", 2, kWrong},
      {"kdf_params.salt", js(salt.substr(0, 30)), "must be 16 to 64 bytes"},
      {"kdf_params.salt", js("zz" + salt.substr(2)), "invalid hex digit"},
      {"kdf_params.salt", js(flip(salt)), kWrong},
      {"kdf_params.extra", 1, "unknown field \"extra\" in kdf_params"},
      {"iv", js(iv.substr(2)), "must be 12 bytes"},
      {"iv", js(iv + "0"), "odd length"},
      {"iv", js(flip(iv)), kWrong},
      {"ciphertext", js(ct + "00"), "must be 32 bytes"},
      {"ciphertext", js(flip(ct)), kWrong},
      {"tag", js(tag.substr(0, 30)), "must be 16 bytes"},
      {"tag", js(flip(tag)), kWrong},
      {"tag", 0, "must be a string"},
      {"secret", js(to_hex(key.secret())), "unknown field \"secret\""},
      {"comment", js("hi"), "unknown field \"comment\""},
  };
  for (const auto& c : cases) {
    json::object o = enc;
    std::string_view f = c.field;
    if (f.starts_with("kdf_params.")) o["kdf_params"].as_object()[f.substr(11)] = c.value;
    else o[f] = c.value;
    SCOPED_TRACE(std::string(c.field) + " = " + json::serialize(c.value));
    expect_error(decode_keystore(str(o), "pw"), c.reason);
  }
}

TEST(KeystoreMalformed, SwappedIdentityFailsAuthentication) {
  // Consistent address + pubkey of another key: only the GCM associated data can catch it.
  PrivateKey other = PrivateKey::from_seed("swap-other");
  json::object o = as_object(encode(PrivateKey::from_seed("swap"), pass("pw")));
  o["address"] = Address::of(other.public_key()).str();
  o["pubkey"] = other.public_key().hex();
  expect_error(decode_keystore(str(o), "pw"), kWrong);
  EXPECT_TRUE(inspect_keystore(str(o)).has_value());  // inspection alone cannot tell
}

TEST(KeystoreMalformed, UnencryptedSecretMustMatchPubkey) {
  json::object o = as_object(encode(PrivateKey::from_seed("u"), UnencryptedTestnetKey{}));
  const KeystoreOptions allow{.allow_unencrypted = true};
  auto with = [&](const char* f, const std::string& v) {
    json::object c = o;
    c[f] = v;
    return decode_keystore(str(c), "", allow);
  };
  expect_error(with("secret", to_hex(PrivateKey::from_seed("v").secret())), "does not match its pubkey");
  expect_error(with("secret", std::string(64, '0')), "not a valid key");
  expect_error(with("secret", "abcd"), "must be 32 bytes");
  expect_error(with("cipher", "aes-256-gcm"), "must have cipher \"none\"");
  expect_error(with("iv", "00"), "unknown field \"iv\"");
}

TEST(KeystoreMalformed, NotAKeystoreAtAll) {
  for (std::string_view bad : {"", "{", "[]", "\"keystore\"", "null", "{}", "{\"version\":1}", "{} {}", "\xff\xfe"}) {
    auto r = decode_keystore(bad, "pw");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_FALSE(r.error().message.empty());
  }
  expect_error(decode_keystore("[1]", "pw"), "must be a JSON object");
  expect_error(decode_keystore("{", "pw"), "not valid JSON");
  expect_error(decode_keystore(std::string(kMaxKeystoreBytes + 1, ' '), "pw"), "more than the");
}

TEST(KeystoreMalformed, ExpensiveScryptParamsAreRefusedBeforeDeriving) {
  std::string text = encode(PrivateKey::from_seed("cost"), Passphrase{"pw", {1024, 8, 1}});  // 1 MiB
  expect_error(decode_keystore(text, "pw", {.max_scrypt_bytes = 1 << 19}), "over the limit");
  EXPECT_TRUE(decode_keystore(text, "pw", {.max_scrypt_bytes = 1 << 20}).has_value());
}

TEST(KeystoreMalformed, EveryTruncationIsRejected) {
  std::string text = encode(PrivateKey::from_seed("t"), pass("pw"));
  for (size_t n = 0; n + 1 < text.size(); ++n)  // the last byte is a newline
    ASSERT_FALSE(decode_keystore(text.substr(0, n), "pw").has_value()) << n;
}

TEST(KeystoreMalformed, SingleCharacterEditsNeverYieldAnotherKey) {
  PrivateKey key = PrivateKey::from_seed("edit");
  std::string text = encode(key, pass("pw"));
  std::mt19937_64 rng(17);
  const std::string alphabet = "0123456789abcdefABCDEF\"{}[],: x";
  int accepted = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    std::string t = text;
    t[i] = alphabet[rng() % alphabet.size()];
    auto r = decode_keystore(t, "pw");
    if (r) {
      ++accepted;  // e.g. a hex digit changed to its uppercase twin
      EXPECT_EQ(to_hex(r->secret()), to_hex(key.secret())) << i;
    }
  }
  EXPECT_LT(accepted, static_cast<int>(text.size()) / 4);
}

// --- files ---

class KeystoreFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ghost-keystore-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KeystoreFile, SaveLoadRoundTripWithPrivateMode) {
  PrivateKey key = PrivateKey::from_seed("file");
  auto path = dir_ / "validator.json";
  auto saved = save_keystore(path, key, pass("pw"));
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = load_keystore(path, "pw");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_hex(back->secret()), to_hex(key.secret()));
  auto info = inspect_keystore_file(path);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->pubkey, key.public_key());
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1) << "a temporary file was left behind";
}

TEST_F(KeystoreFile, NeverOverwritesAnExistingFile) {
  auto path = dir_ / "key.json";
  ASSERT_TRUE(save_keystore(path, PrivateKey::from_seed("first"), pass("pw")).has_value());
  std::string before;
  std::getline(std::ifstream(path), before);
  auto again = save_keystore(path, PrivateKey::from_seed("second"), pass("pw"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::kExists) << again.error().message;
  std::string after;
  std::getline(std::ifstream(path), after);
  EXPECT_EQ(before, after);
  EXPECT_EQ(load_keystore(path, "pw")->public_key(), PrivateKey::from_seed("first").public_key());
}

TEST_F(KeystoreFile, ErrorsNameTheFile) {
  auto missing = load_keystore(dir_ / "nope.json", "pw");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("nope.json"), std::string::npos);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);

  expect_error(load_keystore(dir_, "pw"), "cannot read");

  auto big = dir_ / "big.json";
  std::ofstream(big) << std::string(kMaxKeystoreBytes + 10, ' ');
  expect_error(load_keystore(big, "pw"), "not a keystore");

  auto path = dir_ / "k.json";
  ASSERT_TRUE(save_keystore(path, PrivateKey::from_seed("n"), pass("pw")).has_value());
  auto wrong = load_keystore(path, "nope");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().message, path.string() + ": " + kWrong);
  EXPECT_EQ(wrong.error().code, Errc::kDenied);

  auto no_dir = save_keystore(dir_ / "no" / "such" / "k.json", PrivateKey::from_seed("n"), pass("pw"));
  ASSERT_FALSE(no_dir.has_value());
  EXPECT_EQ(no_dir.error().code, Errc::kNotFound) << no_dir.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "no"));
}

TEST_F(KeystoreFile, TruncatedFileIsRejected) {
  auto path = dir_ / "k.json";
  ASSERT_TRUE(save_keystore(path, PrivateKey::from_seed("trunc"), pass("pw")).has_value());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  expect_error(load_keystore(path, "pw"), "not valid JSON");
}

}  // namespace
}  // namespace ghost
