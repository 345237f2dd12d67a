#include "consensus/ledger/tx.h"

#include <limits>

#include "proto/decode.h"

namespace ghost::ledger {

Bytes envelope_signing_bytes(const pb::TxEnvelope& env) {
  pb::TxEnvelope unsigned_env = env;
  unsigned_env.clear_signature();
  return pb::encode(unsigned_env);
}

uint64_t min_fee(const pb::Params& params, size_t tx_bytes) {
  unsigned __int128 f = static_cast<unsigned __int128>(params.fee_per_byte()) * tx_bytes + params.base_fee();
  return f > std::numeric_limits<uint64_t>::max() ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(f);
}

pb::TxEnvelope make_tx(const PrivateKey& key, std::string_view chain_id, uint64_t nonce, const pb::TxBody& body,
                       const pb::Params& params, uint64_t tip) {
  pb::TxEnvelope env;
  env.set_chain_id(std::string(chain_id));
  env.set_sender(key.public_key().bytes.data(), 32);
  env.set_nonce(nonce);
  Bytes body_bytes = pb::encode(body);
  env.set_body(body_bytes.data(), body_bytes.size());
  env.set_signature(std::string(64, '\0'));  // a signature is always 64 bytes: size it in
  // The fee's own varint length changes the size: iterate to the fixed point (<= 10 steps).
  uint64_t fee = 0;
  for (;;) {
    env.set_fee(fee);
    uint64_t need = min_fee(params, env.ByteSizeLong()) + tip;
    if (need == fee) break;
    fee = need;
  }
  Signature sig = key.sign(SignDomain::kTx, chain_id, envelope_signing_bytes(env));
  env.set_signature(sig.bytes.data(), sig.bytes.size());
  return env;
}

Bytes encode_tx(const PrivateKey& key, std::string_view chain_id, uint64_t nonce, const pb::TxBody& body,
                const pb::Params& params, uint64_t tip) {
  return pb::encode(make_tx(key, chain_id, nonce, body, params, tip));
}

}  // namespace ghost::ledger
