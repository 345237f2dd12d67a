// A proposed block from an untrusted proposer: decoded and checked against a real chain's
// context (node/chain/chain.h check_block). Nothing may crash, and a block that passes must
// carry exactly txs that pass the stateless checks under the tx root it names. Most inputs
// are edits (fuzz_seeds.h) of a valid block of three transfers, so the checks behind the
// decoder run.
#include <cstdlib>

#include "node/chain/chain.h"
#include "proto/decode.h"
#include "tests/fuzz/fuzz_seeds.h"
#include "tests/unit/chain/chain_kit.h"

using namespace ghost;

namespace {

struct Seed {
  chain::kit::ChainKit kit;
  pb::Block block;
  chain::BlockContext ctx;
  Bytes bytes;
  Seed() {
    kit.next_block();
    for (int i = 0; i < 3; ++i) kit.transfer(i, i + 1, 1000, 0);
    block = kit.chain->propose_block(kit.chain->height() + 1, 0);
    ctx = kit.chain->context();
    bytes = pb::encode(block);
    if (!chain::check_block(block, ctx, kit.chain->ledger().checker(), kit.now, 1)) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Seed s;
  Seed* seed = &s;
  if (size == 0) return 0;
  const bool edit = data[0] & 1;
  const Bytes in = edit ? fuzz::edited(seed->bytes, data + 1, size - 1) : Bytes(data + 1, data + size);
  auto block = pb::decode_as<pb::Block>(in);
  if (!block) return 0;
  const auto& checker = seed->kit.chain->ledger().checker();
  if (chain::check_block(*block, seed->ctx, checker, seed->kit.now, 1)) {
    if (!bft::same_bytes(chain::tx_root(*block).bytes, block->header().tx_root())) std::abort();
    for (const auto& tx : block->txs())
      if (!checker.check(as_bytes(tx))) std::abort();
  }
  return 0;
}
