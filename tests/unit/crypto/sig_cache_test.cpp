// SigCache (crypto/sig_cache.h): answers like verify_hash, remembers only successes, bounded.
#include <gtest/gtest.h>

#include <string>

#include "crypto/sig_cache.h"

namespace ghost {
namespace {

TEST(SigCache, AgreesWithVerifyAndCachesOnlySuccesses) {
  SigCache cache(3);
  PrivateKey key = PrivateKey::from_seed("sig-cache");
  std::vector<Hash32> digests;
  std::vector<Signature> sigs;
  for (int i = 0; i < 5; ++i) {
    digests.push_back(signing_hash(SignDomain::kVote, "c", as_bytes(std::to_string(i))));
    sigs.push_back(key.sign(SignDomain::kVote, "c", as_bytes(std::to_string(i))));
  }
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(cache.verify(key.public_key(), digests[i], sigs[i]));
  EXPECT_EQ(cache.size(), 3u);  // bounded
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(cache.verify(key.public_key(), digests[i], sigs[i]));  // again: same answer
  Signature bad = sigs[4];
  bad.bytes[0] ^= 1;
  EXPECT_FALSE(cache.verify(key.public_key(), digests[4], bad));
  EXPECT_FALSE(cache.verify(key.public_key(), digests[3], sigs[4]));  // a signature of another message
  EXPECT_FALSE(cache.verify(key.public_key(), digests[4], bad));       // failures are not remembered
  EXPECT_EQ(cache.size(), 3u);
}

}  // namespace
}  // namespace ghost
