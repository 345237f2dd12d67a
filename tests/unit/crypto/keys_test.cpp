// BIP-340 keys, domain-separated signatures and addresses (crypto/keys.h).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "crypto/keys.h"

namespace ghost {
namespace {

constexpr SignDomain kAllDomains[] = {SignDomain::kTx, SignDomain::kVote, SignDomain::kProposal,
                                      SignDomain::kP2pHandshake};

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Bytes hex(std::string_view h) { return from_hex(h).value(); }

// --- BIP-340 conformance (bitcoin/bips bip-0340/test-vectors.csv) ---

struct SigningVector {
  int index;
  const char *secret, *pubkey, *aux, *msg, *sig;
};

const SigningVector kSigning[] = {
    {0, "0000000000000000000000000000000000000000000000000000000000000003",
     "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "0000000000000000000000000000000000000000000000000000000000000000",
     "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0"},
    {1, "B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF",
     "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
     "0000000000000000000000000000000000000000000000000000000000000001",
     "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
     "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE33418906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A"},
    {2, "C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9",
     "DD308AFEC5777E13121FA72B9CC1B7CC0139715309B086C960E18FD969774EB8",
     "C87AA53824B4D7AE2EB035A2B5BBBCCC080E76CDC6D1692C4B0B62D798E6D906",
     "7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C",
     "5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1BAB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7"},
    {3, "0B432B2677937381AEF05BB02A66ECD012773062CF3FA2549E44F58ED2401710",
     "25D1DFF95105F5253C4022F628A996AD3A0D95FBF21D468A1B33F8C160D8F517",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
     "7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3"},
};

TEST(KeysBip340, SigningVectorsReproduceExactly) {
  for (const auto& v : kSigning) {
    auto key = PrivateKey::from_bytes(hex(v.secret));
    ASSERT_TRUE(key.has_value()) << v.index;
    EXPECT_EQ(key->public_key().bytes, PublicKey::from_hex(v.pubkey)->bytes) << v.index;
    std::array<uint8_t, 32> aux;
    std::ranges::copy(hex(v.aux), aux.begin());
    Hash32 msg = Hash32::from_span(hex(v.msg));
    Signature sig = key->sign_hash(msg, aux);
    EXPECT_EQ(sig.bytes, Signature::from_bytes(hex(v.sig))->bytes) << v.index;
    EXPECT_TRUE(verify_hash(key->public_key(), msg, sig)) << v.index;
  }
}

struct VerifyVector {
  int index;
  const char *pubkey, *msg, *sig;
  bool valid;
};

constexpr const char* kPk1 = "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659";
constexpr const char* kMsg1 = "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89";

const VerifyVector kVerify[] = {
    {4, "D69C3509BB99E412E68B0FE8544E72837DFA30746D8BE2AA65975F29D22DC7B9",
     "4DF3C3F68FCC83B27E9D42C90431A72499F17875C81A599B566C9889B9696703",
     "00000000000000000000003B78CE563F89A0ED9414F5AA28AD0D96D6795F9C6376AFB1548AF603B3EB45C9F8207DEE1060CB71C04E80F593060B07D28308D7F4", true},
    {6, kPk1, kMsg1, "FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A14602975563CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2", false},  // has_even_y(R) is false
    {7, kPk1, kMsg1, "1FA62E331EDBC21C394792D2AB1100A7B432B013DF3F6FF4F99FCB33E0E1515F28890B3EDB6E7189B630448B515CE4F8622A954CFE545735AAEA5134FCCDB2BD", false},  // negated message
    {8, kPk1, kMsg1, "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769961764B3AA9B2FFCB6EF947B6887A226E8D7C93E00C5ED0C1834FF0D0C2E6DA6", false},  // negated s
    {9, kPk1, kMsg1, "0000000000000000000000000000000000000000000000000000000000000000123DDA8328AF9C23A94C1FEECFD123BA4FB73476F0D594DCB65C6425BD186051", false},  // sG - eP infinite
    {10, kPk1, kMsg1, "00000000000000000000000000000000000000000000000000000000000000017615FBAF5AE28864013C099742DEADB4DBA87F11AC6754F93780D5A1837CF197", false},  // sG - eP infinite
    {11, kPk1, kMsg1, "4A298DACAE57395A15D0795DDBFD1DCB564DA82B0F269BC70A74F8220429BA1D69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B", false},  // r not an x-coordinate
    {12, kPk1, kMsg1, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B", false},  // r == p
    {13, kPk1, kMsg1, "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", false},  // s == n
};

TEST(KeysBip340, VerificationVectors) {
  for (const auto& v : kVerify) {
    auto pk = PublicKey::from_hex(v.pubkey);
    ASSERT_TRUE(pk.has_value()) << v.index << ": " << pk.error().message;
    auto sig = Signature::from_bytes(hex(v.sig));
    ASSERT_TRUE(sig.has_value());
    EXPECT_EQ(verify_hash(*pk, Hash32::from_span(hex(v.msg)), *sig), v.valid) << "vector " << v.index;
  }
}

TEST(KeysBip340, PublicKeysOffTheCurveAreRejected) {
  // Vector 5: not on the curve; vector 14: x exceeds the field size.
  for (const char* bad : {"EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34",
                          "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30"}) {
    auto pk = PublicKey::from_hex(bad);
    ASSERT_FALSE(pk.has_value()) << bad;
    EXPECT_NE(pk.error().message.find("not the x-coordinate"), std::string::npos);
  }
}

TEST(KeysBip340, UnparseablePublicKeyNeverVerifies) {
  // A PublicKey built by hand around bytes off the curve must fail closed, not crash.
  PublicKey pk;
  std::ranges::copy(hex("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34"), pk.bytes.begin());
  auto sig = Signature::from_bytes(hex(
      "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E17776969E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B"));
  EXPECT_FALSE(verify_hash(pk, Hash32::from_span(hex(kMsg1)), *sig));
}

// --- parsing ---

TEST(Keys, PublicKeyRejectsWrongLengths) {
  PrivateKey k = PrivateKey::from_seed("len");
  for (size_t n : {0, 1, 31, 33, 64}) {
    Bytes b(n, 0x02);
    auto r = PublicKey::from_bytes(b);
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_NE(r.error().message.find("32 bytes"), std::string::npos);
  }
  EXPECT_FALSE(PublicKey::from_hex(k.public_key().hex() + "00").has_value());
  EXPECT_FALSE(PublicKey::from_hex(k.public_key().hex().substr(1)).has_value());
  std::string nonhex = k.public_key().hex();
  nonhex[5] = 'z';
  EXPECT_FALSE(PublicKey::from_hex(nonhex).has_value());
}

TEST(Keys, PublicKeyRejectsRandomNonCurvePoints) {
  // About half of all x-coordinates are not on the curve; every one must be rejected.
  std::mt19937_64 rng(5);
  int rejected = 0;
  for (int i = 0; i < 200; ++i) {
    Bytes x = random_bytes(rng, 32);
    auto pk = PublicKey::from_bytes(x);
    if (!pk) {
      ++rejected;
    } else {
      EXPECT_EQ(to_hex(pk->bytes), to_hex(x));
    }
  }
  EXPECT_GT(rejected, 50);
  EXPECT_LT(rejected, 150);
}

TEST(Keys, SignatureRequires64Bytes) {
  EXPECT_TRUE(Signature::from_bytes(Bytes(64)).has_value());
  for (size_t n : {0, 63, 65}) EXPECT_FALSE(Signature::from_bytes(Bytes(n)).has_value()) << n;
}

TEST(Keys, PrivateKeyRejectsZeroOrderAndWrongLength) {
  EXPECT_FALSE(PrivateKey::from_bytes(Bytes(32, 0)).has_value());
  auto order = hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
  EXPECT_FALSE(PrivateKey::from_bytes(order).has_value());
  EXPECT_FALSE(PrivateKey::from_bytes(Bytes(32, 0xff)).has_value());
  order.back() = 0x40;  // n - 1 is the largest valid secret
  EXPECT_TRUE(PrivateKey::from_bytes(order).has_value());
  EXPECT_FALSE(PrivateKey::from_bytes(Bytes(31, 1)).has_value());
}

TEST(Keys, FromSeedIsDeterministicAndHashesTheSeed) {
  PrivateKey a = PrivateKey::from_seed("validator-0"), b = PrivateKey::from_seed("validator-0");
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_NE(a.public_key(), PrivateKey::from_seed("validator-1").public_key());
  Hash32 h = sha256("validator-0");
  EXPECT_EQ(to_hex(a.secret()), h.hex());
}

TEST(Keys, GenerateGivesDistinctValidKeys) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    PrivateKey k = PrivateKey::generate();
    EXPECT_TRUE(PublicKey::from_bytes(k.public_key().bytes).has_value());
    seen.insert(k.public_key().hex());
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(Keys, EmptyKeyRefusesToSign) {
  EXPECT_THROW(PrivateKey{}.sign_hash(sha256("x")), std::logic_error);
}

// --- domain separation ---

TEST(KeysDomain, TagsAreDistinct) {
  std::set<std::string_view> tags;
  for (auto d : kAllDomains) tags.insert(domain_tag(d));
  EXPECT_EQ(tags.size(), std::size(kAllDomains));
}

TEST(KeysDomain, SigningHashIsPinned) {
  // Changing this is a protocol change: every signature on chain depends on it.
  Bytes pre = {16};  // tag length
  for (char c : std::string_view("ghostchain/tx/v1")) pre.push_back(uint8_t(c));
  put_u64le(pre, 7);
  for (char c : std::string_view("testnet")) pre.push_back(uint8_t(c));
  for (char c : std::string_view("hello")) pre.push_back(uint8_t(c));
  EXPECT_EQ(signing_hash(SignDomain::kTx, "testnet", as_bytes("hello")), sha256(pre));
}

TEST(KeysDomain, ChainIdAndMessageBoundaryIsUnambiguous) {
  // Without the length prefix these two would hash the same bytes.
  EXPECT_NE(signing_hash(SignDomain::kTx, "ab", as_bytes("c")), signing_hash(SignDomain::kTx, "a", as_bytes("bc")));
  EXPECT_NE(signing_hash(SignDomain::kTx, "", as_bytes("x")), signing_hash(SignDomain::kTx, "x", as_bytes("")));
}

TEST(KeysDomain, SignVerifyRoundTripRejectsEveryChange) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 40; ++i) {
    PrivateKey key = PrivateKey::from_seed("key-" + std::to_string(i));
    PrivateKey other = PrivateKey::from_seed("other-" + std::to_string(i));
    SignDomain domain = kAllDomains[rng() % 4];
    std::string chain = "chain-" + std::to_string(rng() % 3);
    Bytes msg = random_bytes(rng, 1 + rng() % 200);
    Signature sig = key.sign(domain, chain, msg);
    const PublicKey& pk = key.public_key();
    ASSERT_TRUE(verify(pk, domain, chain, msg, sig)) << i;

    for (auto d : kAllDomains) EXPECT_EQ(verify(pk, d, chain, msg, sig), d == domain) << i;
    EXPECT_FALSE(verify(pk, domain, chain + "x", msg, sig)) << i;
    EXPECT_FALSE(verify(pk, domain, "", msg, sig)) << i;

    Bytes flipped = msg;
    flipped[rng() % flipped.size()] ^= uint8_t(1u << (rng() % 8));
    EXPECT_FALSE(verify(pk, domain, chain, flipped, sig)) << i;
    Bytes longer = msg;
    longer.push_back(0);
    EXPECT_FALSE(verify(pk, domain, chain, longer, sig)) << i;

    Signature bad = sig;
    bad.bytes[rng() % 64] ^= uint8_t(1u << (rng() % 8));
    EXPECT_FALSE(verify(pk, domain, chain, msg, bad)) << i;

    EXPECT_FALSE(verify(other.public_key(), domain, chain, msg, sig)) << i;
    EXPECT_FALSE(verify(pk, domain, chain, msg, other.sign(domain, chain, msg))) << i;
  }
}

TEST(KeysDomain, SignaturesUseFreshRandomnessButAllVerify) {
  PrivateKey key = PrivateKey::from_seed("aux");
  Signature a = key.sign(SignDomain::kVote, "c", as_bytes("m"));
  Signature b = key.sign(SignDomain::kVote, "c", as_bytes("m"));
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify(key.public_key(), SignDomain::kVote, "c", as_bytes("m"), a));
  EXPECT_TRUE(verify(key.public_key(), SignDomain::kVote, "c", as_bytes("m"), b));
}

TEST(KeysDomain, FixedAuxRandomnessGivesReproducibleSignatures) {
  PrivateKey key = PrivateKey::from_seed("resign");
  Hash32 digest = signing_hash(SignDomain::kVote, "c", as_bytes("vote"));
  std::array<uint8_t, 32> zero{}, one{};
  one[31] = 1;
  Signature a = key.sign_hash(digest, zero);
  EXPECT_EQ(a, key.sign_hash(digest, zero));
  EXPECT_NE(a, key.sign_hash(digest, one));
  EXPECT_TRUE(verify(key.public_key(), SignDomain::kVote, "c", as_bytes("vote"), a));
}

// --- addresses ---

TEST(Address, IsFirst20BytesOfPubkeyHash) {
  PrivateKey k = PrivateKey::from_seed("addr");
  Address a = Address::of(k.public_key());
  EXPECT_EQ(a.str(), "gc1" + sha256(ByteSpan(k.public_key().bytes)).hex().substr(0, 40));
}

TEST(Address, FormatParseRoundTrip) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 100; ++i) {
    Address a = *Address::from_bytes(random_bytes(rng, 20));
    std::string s = a.str();
    ASSERT_EQ(s.size(), 43u);
    auto back = Address::parse(s);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, a);
  }
}

void expect_parse_error(std::string_view text, std::string_view reason) {
  auto r = Address::parse(text);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << text << " -> " << r.error().message;
}

TEST(Address, ParseRejectsEveryMalformation) {
  std::string good = Address::of(PrivateKey::from_seed("p").public_key()).str();
  expect_parse_error("", "starts with");
  expect_parse_error("gc2" + good.substr(3), "starts with");
  expect_parse_error("GC1" + good.substr(3), "starts with");
  expect_parse_error(" " + good, "starts with");
  expect_parse_error(good.substr(3), "starts with");
  expect_parse_error(good.substr(0, 42), "40 hex digits");
  expect_parse_error(good + "0", "40 hex digits");
  expect_parse_error(good + " ", "40 hex digits");
  expect_parse_error("gc1", "40 hex digits");
  std::string upper = "gc1" + std::string(39, '0') + "A";
  expect_parse_error(upper, "lowercase");
  expect_parse_error("gc1" + std::string(39, '0') + "g", "non-hex character at position 42");
  expect_parse_error("gc1" + std::string(39, '0') + std::string(1, '\0'), "non-hex");
  EXPECT_FALSE(Address::from_bytes(Bytes(19)).has_value());
  EXPECT_FALSE(Address::from_bytes(Bytes(21)).has_value());
}

}  // namespace
}  // namespace ghost
