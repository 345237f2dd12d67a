// Stateless tx checks (size, encoding, chain id, sender key, fee floor, body shape,
// signature): everything that can be decided without the state, shared by the mempool
// and block execution.
#pragma once

#include <memory>
#include <string>

#include "consensus/ledger/tx.h"
#include "crypto/sig_cache.h"
#include "crypto/keys.h"
#include "proto/genesis.pb.h"
#include "proto/tx.pb.h"

namespace ghost::ledger {

struct CheckedTx {
  Hash32 id;
  size_t size = 0;
  pb::TxEnvelope envelope;
  pb::TxBody body;
  PublicKey sender;
  Address sender_address;
};

// The shape a body must have before execution looks at state (lengths of ids and keys,
// positive amounts, a known role, required parts present).
TxResult<void> check_body_shape(const pb::TxBody& body);

class TxChecker {
 public:
  // cache may be null (every check verifies the signature).
  TxChecker(std::string chain_id, pb::Params params, std::shared_ptr<SigCache> cache);

  TxResult<CheckedTx> check(ByteSpan tx_bytes) const;

  const std::string& chain_id() const { return chain_id_; }
  const pb::Params& params() const { return params_; }
  const std::shared_ptr<SigCache>& cache() const { return cache_; }

 private:
  std::string chain_id_;
  pb::Params params_;
  std::shared_ptr<SigCache> cache_;
};

}  // namespace ghost::ledger
