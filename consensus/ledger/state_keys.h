// Typed key prefixes of the ledger state (one byte each) and the typed records under them.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "proto/decode.h"
#include "proto/state.pb.h"
#include "proto/tx.pb.h"

namespace ghost::ledger::keys {

inline constexpr char kAccount = 'a';        // + address            -> Account
inline constexpr char kStake = 's';          // + role + address     -> StakeInfo
inline constexpr char kStakers = 'S';        // + role               -> KeyList of addresses
inline constexpr char kConsensusKey = 'c';   // + consensus pubkey   -> validator address
inline constexpr char kModel = 'm';          // + model id           -> ModelInfo
inline constexpr char kModelVersion = 'v';   // + model id + be64    -> ModelVersion
inline constexpr char kModelWorkers = 'w';   // + model id           -> KeyList of addresses
inline constexpr char kJob = 'j';            // + job id             -> Job
inline constexpr char kSchedule = 'q';       // + be64 height + kind -> KeyList
inline constexpr char kEvidence = 'e';       // + evidence id        -> "" (already punished)
inline constexpr char kReceipt = 'r';        // + tx id              -> Receipt
inline constexpr char kGlobal = 'g';         // + name               -> Supply, ValidatorSet, ...

// What happens at the end of a height: unbonding completions, job deadlines, settlements.
enum class Due : char { kUnbonding = 'u', kDeadline = 'd', kSettlement = 's' };

std::string account(const Address& a);
std::string stake(pb::StakeRole role, const Address& a);
std::string stakers(pb::StakeRole role);
std::string consensus_key(const std::string& pubkey);
std::string model(const Hash32& id);
std::string model_version(const Hash32& id, uint64_t version);
std::string model_workers(const Hash32& id);
std::string job(const Hash32& id);
std::string schedule(uint64_t height, Due kind);
std::string evidence(const Hash32& id);
std::string receipt(const Hash32& tx_id);
std::string supply();
std::string validator_set();
std::string genesis_hash();

}  // namespace ghost::ledger::keys

namespace ghost::ledger {

// Records are written by this node only, so a record that does not parse means the
// database is corrupt: that is an exception, not a tx failure. No tx can cause it, so it
// must not become a receipt (a receipt is hashed into the app hash, and nodes with a sound
// database would disagree); Ledger::apply_block turns it into a failed block instead.
template <class M, class Reader>
std::optional<M> load(const Reader& r, const std::string& key) {
  auto v = r.get(key);
  if (!v) return std::nullopt;
  M m;
  if (!m.ParseFromString(*v)) throw std::runtime_error("corrupt state record under key " + to_hex(as_bytes(key)));
  return m;
}

inline std::string dump(const google::protobuf::MessageLite& m) {
  Bytes b = pb::encode(m);
  return std::string(b.begin(), b.end());
}

}  // namespace ghost::ledger
