// The consensus sign bytes pinned to docs/protocol.md §2.3 and §5.4, byte by byte: the
// expected bytes are assembled here from the documented format (protobuf tags, varints and
// lengths written out by hand), never by the code under test, so a format change fails.
#include <gtest/gtest.h>

#include <string>

#include "consensus/bft/signer.h"
#include "consensus/bft/verify.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::bft {
namespace {

using namespace testing;

void put_varint(Bytes& out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(uint8_t(v | 0x80));
  out.push_back(uint8_t(v));
}
void put_bytes(Bytes& out, uint8_t tag, ByteSpan b) {
  out.push_back(tag);
  put_varint(out, b.size());
  out.insert(out.end(), b.begin(), b.end());
}
void put_text(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

// §2.3: H( u8(len(tag)) || tag || u64le(len(chain_id)) || chain_id || message ), by hand.
Hash32 hand_signing_hash(std::string_view tag, std::string_view chain_id, ByteSpan message) {
  Bytes pre{uint8_t(tag.size())};
  put_text(pre, tag);
  for (int i = 0; i < 8; ++i) pre.push_back(uint8_t(uint64_t(chain_id.size()) >> (8 * i)));
  put_text(pre, chain_id);
  pre.insert(pre.end(), message.begin(), message.end());
  return sha256(pre);
}

const Hash32 kBlock = [] {
  Hash32 h;
  for (size_t i = 0; i < 32; ++i) h.bytes[i] = uint8_t(0xa0 + i);
  return h;
}();

TEST(BftWireFormat, VoteSignBytes) {
  const PrivateKey key = test_key(0);
  const PublicKey pk = key.public_key();
  // Vote{type = PRECOMMIT (2), height = 300, round = 2, block_hash, validator}
  const pb::Vote vote = make_vote(pb::PRECOMMIT, 300, 2, kBlock, pk);
  Bytes want{0x08, 0x02, 0x10, 0xac, 0x02, 0x18, 0x02};  // 300 = 0b10_0101100 -> ac 02
  put_bytes(want, 0x22, kBlock.bytes);
  put_bytes(want, 0x2a, pk.bytes);
  ASSERT_EQ(want.size(), 7u + 34 + 34);
  EXPECT_EQ(pb::encode(vote), want);

  // A nil prevote in round 0: type 1, and neither the zero round nor the empty hash is written.
  const pb::Vote nil = make_vote(pb::PREVOTE, 1, 0, std::nullopt, pk);
  Bytes want_nil{0x08, 0x01, 0x10, 0x01};
  put_bytes(want_nil, 0x2a, pk.bytes);
  EXPECT_EQ(pb::encode(nil), want_nil);

  // The signature is over the documented preimage: the signer records that digest, and the
  // signature verifies against the digest computed here.
  const Hash32 digest = hand_signing_hash("ghostchain/vote/v1", kChain, want);
  EXPECT_EQ(signing_hash(SignDomain::kVote, kChain, want), digest);
  MemoryStore store;
  auto signer = Signer::open(key, kChain, store, "signer");
  ASSERT_TRUE(signer);
  auto sv = signer->sign_vote(vote);
  ASSERT_TRUE(sv) << sv.error().message;
  EXPECT_EQ(signer->last().digest, digest);
  Signature sig;
  ASSERT_EQ(sv->signature().size(), 64u);
  std::copy_n(as_bytes(sv->signature()).begin(), 64, sig.bytes.begin());
  EXPECT_TRUE(verify_hash(pk, digest, sig));
  // The whole SignedVote: field 1 the vote, field 2 the signature.
  Bytes want_signed;
  put_bytes(want_signed, 0x0a, want);
  put_bytes(want_signed, 0x12, sig.bytes);
  EXPECT_EQ(pb::encode(*sv), want_signed);
  EXPECT_TRUE(verify_vote(*sv, test_set({10}), kChain));
}

TEST(BftWireFormat, ProposalSignBytes) {
  const PrivateKey key = test_key(0);
  const PublicKey pk = key.public_key();
  for (int32_t pol : {-1, 1}) {
    pb::Proposal p;
    p.set_height(5);
    p.set_round(3);
    p.set_pol_round(pol);
    p.set_block_hash(kBlock.data(), 32);
    p.set_proposer(key_str(pk));
    Bytes want{0x08, 0x05, 0x10, 0x03, 0x18};
    // int32 -1 is a ten-byte varint (sign-extended to 64 bits); 1 is one byte.
    if (pol < 0) want.insert(want.end(), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
    else want.push_back(0x01);
    put_bytes(want, 0x22, kBlock.bytes);
    put_bytes(want, 0x2a, pk.bytes);
    EXPECT_EQ(pb::encode(p), want) << "pol_round " << pol;

    const Hash32 digest = hand_signing_hash("ghostchain/proposal/v1", kChain, want);
    EXPECT_EQ(signing_hash(SignDomain::kProposal, kChain, want), digest);
    MemoryStore store;
    auto signer = Signer::open(key, kChain, store, "signer");
    ASSERT_TRUE(signer);
    auto sp = signer->sign_proposal(p);
    ASSERT_TRUE(sp) << sp.error().message;
    EXPECT_EQ(signer->last().digest, digest);
    Signature sig;
    ASSERT_EQ(sp->signature().size(), 64u);
    std::copy_n(as_bytes(sp->signature()).begin(), 64, sig.bytes.begin());
    EXPECT_TRUE(verify_hash(pk, digest, sig));
    // Not a vote: the same bytes under the vote tag give another digest.
    EXPECT_NE(hand_signing_hash("ghostchain/vote/v1", kChain, want), digest);
  }
}

}  // namespace
}  // namespace ghost::bft
