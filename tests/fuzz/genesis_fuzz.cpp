// Fuzz target: untrusted genesis bytes, binary and JSON. Most inputs are edits (fuzz_seeds.h)
// of a valid genesis, binary or JSON, so parsing succeeds often enough for validation and
// the JSON round trip behind it to run.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "consensus/ledger/genesis.h"
#include "consensus/ledger/params.h"
#include "crypto/keys.h"
#include "proto/decode.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;
using namespace ghost::ledger;

namespace {

pb::Genesis valid_genesis() {
  pb::Genesis g;
  g.set_chain_id("fuzz-chain");
  g.set_genesis_time_ms(1000);
  *g.mutable_params() = default_params();
  for (int i = 0; i < 2; ++i) {
    auto* a = g.add_accounts();
    a->set_address(std::string(20, char('a' + i)));
    a->set_balance(1000 * (i + 1));
  }
  for (int i = 0; i < 2; ++i) {
    auto* v = g.add_validators();
    auto op = PrivateKey::from_seed("fuzz-op-" + std::to_string(i)).public_key();
    auto cons = PrivateKey::from_seed("fuzz-cons-" + std::to_string(i)).public_key();
    v->set_operator_pubkey(std::string(op.bytes.begin(), op.bytes.end()));
    v->set_consensus_pubkey(std::string(cons.bytes.begin(), cons.bytes.end()));
    v->set_stake(g.params().min_stake_validator());
  }
  return g;
}

void check_parsed(const Result<pb::Genesis>& g) {
  if (!g) return;
  // Whatever parses is valid, and survives its own JSON form. The JSON mapping has no place
  // for unknown fields, which a binary genesis keeps (and hashes, docs/protocol.md
  // Conventions): the JSON form is the genesis without them.
  if (!validate_genesis(*g)) std::abort();
  pb::Genesis known = *g;
  known.DiscardUnknownFields();
  auto back = parse_genesis_json(genesis_to_json(*g));
  if (!back || genesis_hash(*back) != genesis_hash(known)) std::abort();
  if (genesis_to_json(*back) != genesis_to_json(*g)) std::abort();  // JSON is a fixed point
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pb::Genesis base = valid_genesis();
  static const Bytes binary = pb::encode(base);
  static const std::string json_text = genesis_to_json(base);
  static const Bytes json(json_text.begin(), json_text.end());
  if (!parse_genesis_binary(binary) || !parse_genesis_json(json_text)) std::abort();  // the edits would start from nothing
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 3;
  ++data, --size;
  Bytes in;
  switch (mode) {
    case 0: in.assign(data, data + size); break;
    case 1: in = fuzz::edited(binary, data, size); break;
    default: in = fuzz::edited(json, data, size); break;
  }
  check_parsed(parse_genesis_binary(in));
  check_parsed(parse_genesis_json(std::string_view(reinterpret_cast<const char*>(in.data()), in.size())));
  return 0;
}
