// P2P envelopes arrive from anyone: decoding arbitrary bytes must fail cleanly or round-trip
// to the same bytes' meaning. Most inputs are edits (fuzz_seeds.h) of valid envelopes, one
// per payload kind, so the nested decoders (tx, vote, proposal with its block, evidence,
// block sync) are reached rather than the first tag check.
#include <cstdlib>

#include "proto/decode.h"
#include "proto/p2p.pb.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

namespace {

std::vector<Bytes> valid_envelopes() {
  std::vector<pb::Envelope> e(6);
  for (size_t i = 0; i < e.size(); ++i) e[i].set_message_id(std::string(16, char('0' + i)));
  auto* tx = e[0].mutable_tx();
  tx->set_chain_id("fuzz-chain"), tx->set_sender(std::string(32, 's')), tx->set_nonce(3), tx->set_fee(2000);
  tx->set_body("\x0a\x03\x10\xfa\x01"), tx->set_signature(std::string(64, 'g'));
  auto* v = e[1].mutable_vote()->mutable_vote();
  v->set_type(pb::PRECOMMIT), v->set_height(9), v->set_round(1), v->set_block_hash(std::string(32, 'b'));
  v->set_validator(std::string(32, 'k'));
  e[1].mutable_vote()->set_signature(std::string(64, 'g'));
  auto* p = e[2].mutable_proposal();
  p->mutable_proposal()->set_height(9), p->mutable_proposal()->set_pol_round(-1);
  p->mutable_proposal()->set_block_hash(std::string(32, 'b')), p->set_signature(std::string(64, 'g'));
  p->mutable_block()->mutable_header()->set_height(9), p->mutable_block()->add_txs("tx");
  *p->mutable_block()->mutable_last_commit()->add_precommits() = e[1].vote();
  *e[3].mutable_evidence()->mutable_vote_a() = e[1].vote();
  *e[3].mutable_evidence()->mutable_vote_b() = e[1].vote();
  e[4].mutable_handshake()->set_chain_id("fuzz-chain"), e[4].mutable_handshake()->set_nonce(std::string(32, 'n'));
  e[5].mutable_block_request()->set_from_height(7), e[5].mutable_block_request()->set_max_blocks(16);
  std::vector<Bytes> out;
  for (const auto& m : e) out.push_back(pb::encode(m));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Bytes> seeds = valid_envelopes();
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  ++data, --size;
  const Bytes in = mode % 4 ? fuzz::edited(seeds[mode / 4 % seeds.size()], data, size) : Bytes(data, data + size);
  auto env = pb::decode_as<pb::Envelope>(in);
  if (env) {
    const Bytes once = pb::encode(*env);
    auto again = pb::decode_as<pb::Envelope>(once);
    // Encoding what was decoded is a fixed point: the same payload kind, the same bytes.
    if (!again || again->payload_case() != env->payload_case() || pb::encode(*again) != once) std::abort();
  }
  return 0;
}
