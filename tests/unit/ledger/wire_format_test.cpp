// Ledger byte formats pinned to docs/protocol.md (§2.3, §4.2, §4.15, §4.17), byte by byte: the
// expected bytes are assembled here from the documented format (protobuf tags, varints and
// lengths written out by hand; sha256 as the only primitive), never by the code under test,
// so a format change fails here instead of passing as "still deterministic".
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "consensus/ledger/genesis.h"
#include "consensus/ledger/params.h"
#include "consensus/ledger/state_store.h"
#include "consensus/ledger/tx.h"
#include "consensus/ledger/tx_check.h"
#include "crypto/keys.h"
#include "proto/decode.h"

namespace ghost::ledger {
namespace {

void put_varint(Bytes& out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(uint8_t(v | 0x80));
  out.push_back(uint8_t(v));
}
void put_text(Bytes& out, std::string_view s) {
  for (char c : s) out.push_back(uint8_t(c));
}
void put_bytes(Bytes& out, uint8_t tag, ByteSpan b) {
  out.push_back(tag);
  put_varint(out, b.size());
  out.insert(out.end(), b.begin(), b.end());
}
void put_field_text(Bytes& out, uint8_t tag, std::string_view s) { put_bytes(out, tag, as_bytes(s)); }
void put_u64le(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
Bytes filled(size_t n, uint8_t b) { return Bytes(n, b); }

TEST(LedgerWireFormat, VarintsAsWrittenHere) {  // the helper itself, on the textbook examples
  Bytes b;
  put_varint(b, 1), put_varint(b, 300), put_varint(b, 2460);
  EXPECT_EQ(b, (Bytes{0x01, 0xac, 0x02, 0x9c, 0x13}));
}

TEST(LedgerWireFormat, TxSigningBytesSignatureAndId) {
  const PrivateKey key = PrivateKey::from_seed("wire-format-test");
  const PublicKey pk = key.public_key();
  const std::string chain = "wire-chain";
  pb::TxBody body;
  body.mutable_transfer()->set_to(std::string(20, '\x33'));
  body.mutable_transfer()->set_amount(250);
  // TxBody{transfer = 1: Transfer{to = 1: 20 bytes, amount = 2: 250}}
  Bytes transfer;
  put_bytes(transfer, 0x0a, filled(20, 0x33));
  transfer.insert(transfer.end(), {0x10, 0xfa, 0x01});  // 250 = 0b1_1111010 -> fa 01
  Bytes body_bytes;
  put_bytes(body_bytes, 0x0a, transfer);
  ASSERT_EQ(body_bytes.size(), 27u);
  EXPECT_EQ(pb::encode(body), body_bytes);

  // The envelope pays exactly the minimum fee for its own size: chain_id 12 bytes, sender 34,
  // nonce 2, fee 3 (a two-byte varint), body 29, signature 66 = 146 bytes, so
  // fee = base_fee 1000 + fee_per_byte 10 * 146 = 2460.
  const pb::Params params = default_params();
  ASSERT_EQ(params.base_fee(), 1000u);
  ASSERT_EQ(params.fee_per_byte(), 10u);
  const pb::TxEnvelope env = make_tx(key, chain, 3, body, params);
  Bytes signing;
  put_field_text(signing, 0x0a, chain);
  put_bytes(signing, 0x12, pk.bytes);
  signing.insert(signing.end(), {0x18, 0x03, 0x20, 0x9c, 0x13});  // nonce 3, fee 2460
  put_bytes(signing, 0x2a, body_bytes);
  ASSERT_EQ(signing.size(), 146u - 66);
  EXPECT_EQ(env.fee(), 2460u);
  EXPECT_EQ(envelope_signing_bytes(env), signing);

  // §2.3: the preimage H(u8(16) || "ghostchain/tx/v1" || u64le(10) || "wire-chain" || signing bytes).
  Bytes pre;
  pre.push_back(16);
  put_text(pre, "ghostchain/tx/v1");
  put_u64le(pre, chain.size());
  put_text(pre, chain);
  pre.insert(pre.end(), signing.begin(), signing.end());
  ASSERT_EQ(pre.size(), 1u + 16 + 8 + 10 + 80);
  const Hash32 digest = sha256(pre);
  EXPECT_EQ(signing_hash(SignDomain::kTx, chain, signing), digest);
  ASSERT_EQ(env.signature().size(), 64u);
  Signature sig;
  std::copy_n(as_bytes(env.signature()).begin(), 64, sig.bytes.begin());
  EXPECT_TRUE(verify_hash(pk, digest, sig));

  // The tx bytes are the signing bytes then field 6 (tag 0x32, length 64, the signature), and
  // the id is their hash.
  Bytes tx = signing;
  put_bytes(tx, 0x32, sig.bytes);
  ASSERT_EQ(tx.size(), 146u);
  EXPECT_EQ(pb::encode(env), tx);
  EXPECT_EQ(tx_id(pb::encode(env)), sha256(tx));
  TxChecker checker(chain, params, std::make_shared<SigCache>(4));
  auto checked = checker.check(tx);
  ASSERT_TRUE(checked) << checked.error().reason;
  EXPECT_EQ(checked->id, sha256(tx));
  EXPECT_EQ(checked->size, 146u);
  // Appending the signature field again is not the canonical encoding: refused.
  Bytes twice = tx;
  put_bytes(twice, 0x32, sig.bytes);
  EXPECT_FALSE(checker.check(twice));
}

TEST(LedgerWireFormat, GenesisHash) {
  const PublicKey op = PrivateKey::from_seed("wire-operator").public_key();
  const PublicKey cons = PrivateKey::from_seed("wire-consensus").public_key();
  pb::Genesis g;
  g.set_chain_id("wire-chain");
  g.set_genesis_time_ms(1000);
  auto* a = g.add_accounts();
  a->set_address(std::string(20, '\x44'));
  a->set_balance(5);
  auto* v = g.add_validators();
  v->set_operator_pubkey(std::string(op.bytes.begin(), op.bytes.end()));
  v->set_consensus_pubkey(std::string(cons.bytes.begin(), cons.bytes.end()));
  v->set_stake(1'000'000'000);  // 1,000 GC
  // Genesis{chain_id 1, genesis_time_ms 2, accounts 4: {address 1, balance 2},
  //         validators 5: {operator_pubkey 1, consensus_pubkey 2, stake 3}}; no params (3).
  Bytes account;
  put_bytes(account, 0x0a, filled(20, 0x44));
  account.insert(account.end(), {0x10, 0x05});
  Bytes validator;
  put_bytes(validator, 0x0a, op.bytes);
  put_bytes(validator, 0x12, cons.bytes);
  validator.insert(validator.end(), {0x18, 0x80, 0x94, 0xeb, 0xdc, 0x03});  // 10^9
  Bytes want;
  put_field_text(want, 0x0a, "wire-chain");
  want.insert(want.end(), {0x10, 0xe8, 0x07});  // 1000
  put_bytes(want, 0x22, account);
  put_bytes(want, 0x2a, validator);
  EXPECT_EQ(pb::encode(g), want);
  EXPECT_EQ(genesis_hash(g), sha256(want));
  // The binary form parses back to the same hash.
  pb::Genesis back;
  ASSERT_TRUE(pb::decode(want, back));
  EXPECT_EQ(genesis_hash(back), sha256(want));
}

TEST(LedgerWireFormat, WriteSetHashAndAppHashChain) {
  // Keys in ascending unsigned byte order: "S\x01" < "a..." < "g" "supply" < "\x80" (a high
  // byte sorts last, not first as a signed char would).
  WriteSet w;
  w[std::string("\x80", 1)] = std::nullopt;  // deleted
  w["gsupply"] = std::string("\x08\x07", 2);
  w[std::string("a") + std::string(20, '\x44')] = std::string("\x08\x05", 2);
  w[std::string("S\x01", 2)] = std::string();  // present but empty: not a deletion
  Bytes stream;
  put_u64le(stream, 2), put_text(stream, "S\x01");
  stream.push_back(0x01), put_u64le(stream, 0);
  put_u64le(stream, 21), stream.push_back('a'), stream.insert(stream.end(), 20, 0x44);
  stream.push_back(0x01), put_u64le(stream, 2), stream.insert(stream.end(), {0x08, 0x05});
  put_u64le(stream, 7), put_text(stream, "gsupply");
  stream.push_back(0x01), put_u64le(stream, 2), stream.insert(stream.end(), {0x08, 0x07});
  put_u64le(stream, 1), stream.push_back(0x80);
  stream.push_back(0x00);
  ASSERT_EQ(stream.size(), (8 + 2 + 1 + 8) + (8 + 21 + 1 + 8 + 2) + (8 + 7 + 1 + 8 + 2) + (8 + 1 + 1));
  const Hash32 ws = sha256(stream);
  EXPECT_EQ(write_set_hash(w), ws);
  EXPECT_EQ(write_set_hash({}), sha256(Bytes{}));

  // app_hash(0) = H("ghostchain/app/v1" || 32 zero bytes || u64le(0) || ws), then height 1
  // chains from it with the empty write set.
  Bytes pre0;
  put_text(pre0, "ghostchain/app/v1");
  pre0.insert(pre0.end(), 32, 0x00);
  put_u64le(pre0, 0);
  pre0.insert(pre0.end(), ws.bytes.begin(), ws.bytes.end());
  const Hash32 app0 = sha256(pre0);
  EXPECT_EQ(chain_app_hash(Hash32{}, 0, ws), app0);
  Bytes pre1;
  put_text(pre1, "ghostchain/app/v1");
  pre1.insert(pre1.end(), app0.bytes.begin(), app0.bytes.end());
  put_u64le(pre1, 1);
  const Hash32 empty = sha256(Bytes{});
  pre1.insert(pre1.end(), empty.bytes.begin(), empty.bytes.end());
  EXPECT_EQ(chain_app_hash(app0, 1, write_set_hash({})), sha256(pre1));
}

}  // namespace
}  // namespace ghost::ledger
