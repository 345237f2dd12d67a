// Fuzz target: untrusted tx bytes through the stateless checks (envelope, body, signature).
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "consensus/ledger/params.h"
#include "consensus/ledger/tx_check.h"
#include "consensus/ledger/tx.h"
#include "proto/decode.h"

namespace {

using namespace ghost;
using namespace ghost::ledger;

const TxChecker& checker() {
  static const TxChecker c("fuzz-chain", default_params(), std::make_shared<SigCache>(64));
  return c;
}

void check(ByteSpan in) {
  auto tx = checker().check(in);
  if (tx) {
    // Only a canonical, correctly signed envelope passes: its id is the hash of the input.
    if (tx->id != tx_id(in) || tx->size != in.size()) std::abort();
  } else if (tx.error().reason.empty()) {
    std::abort();  // every rejection says why
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  check(in);
  // The input as edits (position, xor) of a valid signed tx, to reach the deeper checks.
  static const Bytes valid = [] {
    pb::TxBody body;
    body.mutable_stake()->set_role(pb::WORKER);
    body.mutable_stake()->set_amount(5);
    body.mutable_stake()->add_models(std::string(32, 'm'));
    return encode_tx(PrivateKey::from_seed("fuzz"), "fuzz-chain", 3, body, default_params());
  }();
  Bytes edited = valid;
  for (size_t i = 0; i + 1 < size; i += 2) edited[data[i] % edited.size()] ^= data[i + 1];
  if (size % 7 == 0 && !edited.empty()) edited.resize(edited.size() - 1 - size % edited.size());
  check(edited);
  // The body decoder and shape rules on their own.
  pb::TxBody body;
  if (pb::decode(in, body)) (void)check_body_shape(body);
  return 0;
}
