// Fuzz target: untrusted tx bytes through the stateless checks (envelope, body, signature).
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "consensus/params.h"
#include "consensus/tx_check.h"
#include "proto/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ghost;
  using namespace ghost::consensus;
  static const TxChecker checker("fuzz-chain", default_params(), std::make_shared<TxSigCache>(64));
  ByteSpan in(data, size);
  auto tx = checker.check(in);
  if (tx) {
    // Only a canonical, correctly signed envelope passes: its id is the hash of the input.
    if (tx->id != tx_id(in) || tx->size != size) std::abort();
  } else if (tx.error().reason.empty()) {
    std::abort();  // every rejection says why
  }
  // The body decoder and shape rules on their own.
  pb::TxBody body;
  if (pb::decode(in, body)) (void)check_body_shape(body);
  return 0;
}
