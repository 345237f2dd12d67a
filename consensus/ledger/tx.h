// The transaction envelope (docs/protocol.md §4): id, signed bytes, fee floor, and building a
// signed tx (wallets, tests, benchmarks).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "proto/genesis.pb.h"
#include "proto/tx.pb.h"

namespace ghost::ledger {

// A tx that cannot apply, with the receipt code and a reason for people.
struct TxError {
  pb::TxCode code;
  std::string reason;
};
template <class T>
using TxResult = std::expected<T, TxError>;
inline std::unexpected<TxError> tx_fail(pb::TxCode code, std::string reason) {
  return std::unexpected(TxError{code, std::move(reason)});
}

// tx id = SHA-256 of the serialized envelope, signature included.
inline Hash32 tx_id(ByteSpan envelope_bytes) { return sha256(envelope_bytes); }
// What the sender signs (under SignDomain::kTx and the chain id): the envelope encoded
// deterministically with the signature field empty.
Bytes envelope_signing_bytes(const pb::TxEnvelope& env);
// base_fee + fee_per_byte * tx_bytes, saturating at u64 max.
uint64_t min_fee(const pb::Params& params, size_t tx_bytes);

// A signed envelope for body, paying exactly the minimum fee (plus `tip`) for its own size.
pb::TxEnvelope make_tx(const PrivateKey& key, std::string_view chain_id, uint64_t nonce,
                       const pb::TxBody& body, const pb::Params& params, uint64_t tip = 0);
Bytes encode_tx(const PrivateKey& key, std::string_view chain_id, uint64_t nonce, const pb::TxBody& body,
                const pb::Params& params, uint64_t tip = 0);

}  // namespace ghost::ledger
