// Valid p2p envelopes, one per payload kind, as starting points for the targets that read
// envelopes (fuzz_seeds.h): the nested decoders (tx, vote, proposal with its block, evidence,
// handshake, block sync) are reached rather than the first tag check.
#pragma once

#include <string>
#include <vector>

#include "proto/p2p.pb.h"

namespace ghost::fuzz {

inline std::vector<pb::Envelope> sample_envelopes() {
  std::vector<pb::Envelope> e(8);
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
  e[5].mutable_status()->set_height(12);
  e[6].mutable_block_request()->set_from_height(7), e[6].mutable_block_request()->set_max_blocks(16);
  *e[7].mutable_block_response()->add_blocks() = p->block();
  return e;
}

}  // namespace ghost::fuzz
