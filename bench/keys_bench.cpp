// Suite "keys": BIP-340 verification against OpenSSL's ECDSA on the same curve, signing, and
// the cost of unlocking a keystore with the default scrypt parameters.
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "bench/bench.h"
#include "crypto/keys.h"
#include "crypto/keystore.h"

namespace ghost::bench {
namespace {

// ECDSA over secp256k1 through OpenSSL's EVP API: the widely deployed alternative.
class OpensslEcdsa {
 public:
  OpensslEcdsa() : key_(EVP_EC_gen("secp256k1"), EVP_PKEY_free), verify_(nullptr, EVP_PKEY_CTX_free) {
    if (!key_) throw std::runtime_error("OpenSSL cannot generate a secp256k1 key");
    verify_.reset(EVP_PKEY_CTX_new(key_.get(), nullptr));
    if (!verify_ || EVP_PKEY_verify_init(verify_.get()) != 1) throw std::runtime_error("EVP_PKEY_verify_init failed");
  }
  Bytes sign(const Hash32& digest) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key_.get(), nullptr), EVP_PKEY_CTX_free);
    Bytes sig(80);
    size_t len = sig.size();
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), 32) != 1)
      throw std::runtime_error("OpenSSL ECDSA signing failed");
    sig.resize(len);
    return sig;
  }
  bool verify(const Bytes& sig, const Hash32& digest) {
    return EVP_PKEY_verify(verify_.get(), sig.data(), sig.size(), digest.data(), 32) == 1;
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> verify_;
};

void keys_suite(Context& ctx) {
  const int n = ctx.quick() ? 300 : 2000, reps = ctx.quick() ? 3 : 7;
  PrivateKey key = PrivateKey::from_seed("bench");
  Hash32 digest = signing_hash(SignDomain::kTx, "bench", as_bytes("a transaction"));
  Signature sig = key.sign_hash(digest);
  OpensslEcdsa ecdsa;
  Bytes ecdsa_sig = ecdsa.sign(digest);

  auto check = [](bool ok) {
    if (!ok) throw std::runtime_error("a benchmark signature did not verify");
  };
  // Back to back in each repetition, so that load on a shared machine hits both sides alike.
  std::vector<double> ratios, ours_us, sign_us;
  for (int r = 0; r < reps; ++r) {
    double ours = median_seconds(1, [&] {
      for (int i = 0; i < n; ++i) check(verify_hash(key.public_key(), digest, sig));
    }) / n;
    double theirs = median_seconds(1, [&] {
      for (int i = 0; i < n; ++i) check(ecdsa.verify(ecdsa_sig, digest));
    }) / n;
    ratios.push_back(theirs / ours);
    ours_us.push_back(ours * 1e6);
    sign_us.push_back(1e6 * median_seconds(1, [&] {
      for (int i = 0; i < n; ++i) sig = key.sign_hash(digest);
    }) / n);
  }
  ctx.report({"keys.verify_vs_openssl_ecdsa", median(ratios), "ratio", "OpenSSL ECDSA secp256k1 verify, same digest",
              "higher is faster; " + std::to_string(n) + " verifies x " + std::to_string(reps) + " reps"});
  ctx.report({"keys.verify_us", median(ours_us), "us", "", "BIP-340 verify incl. x-only pubkey parse"});
  ctx.report({"keys.sign_us", median(sign_us), "us", "", "BIP-340 sign incl. keypair derivation and OS aux randomness"});

  std::string file = *encode_keystore(key, Passphrase{"bench passphrase"});
  double unlock = median_seconds(ctx.quick() ? 1 : 3, [&] { check(decode_keystore(file, "bench passphrase").has_value()); });
  ctx.report({"keystore.unlock_default_ms", unlock * 1e3, "ms", "",
              "scrypt n=2^15 r=8 p=1 then AES-256-GCM: the cost of each passphrase guess"});
}

}  // namespace
GHOST_BENCH_SUITE("keys", "BIP-340 verify vs OpenSSL ECDSA, signing, keystore unlock cost", keys_suite);
}  // namespace ghost::bench
