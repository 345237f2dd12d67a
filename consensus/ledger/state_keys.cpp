#include "consensus/ledger/state_keys.h"

namespace ghost::ledger::keys {
namespace {

std::string with(char prefix, ByteSpan b) {
  std::string k(1, prefix);
  k.append(reinterpret_cast<const char*>(b.data()), b.size());
  return k;
}

void put_be64(std::string& k, uint64_t v) {
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

std::string account(const Address& a) { return with(kAccount, a.bytes); }
std::string stake(pb::StakeRole role, const Address& a) {
  std::string k = with(kStake, a.bytes);
  k.insert(k.begin() + 1, static_cast<char>(role));
  return k;
}
std::string stakers(pb::StakeRole role) { return {kStakers, static_cast<char>(role)}; }
std::string consensus_key(const std::string& pubkey) { return kConsensusKey + pubkey; }
std::string model(const Hash32& id) { return with(kModel, id.bytes); }
std::string model_version(const Hash32& id, uint64_t version) {
  std::string k = with(kModelVersion, id.bytes);
  put_be64(k, version);
  return k;
}
std::string model_workers(const Hash32& id) { return with(kModelWorkers, id.bytes); }
std::string job(const Hash32& id) { return with(kJob, id.bytes); }
std::string schedule(uint64_t height, Due kind) {
  std::string k(1, kSchedule);
  put_be64(k, height);
  k.push_back(static_cast<char>(kind));
  return k;
}
std::string evidence(const Hash32& id) { return with(kEvidence, id.bytes); }
std::string receipt(const Hash32& tx_id) { return with(kReceipt, tx_id.bytes); }
std::string supply() { return std::string(1, kGlobal) + "supply"; }
std::string validator_set() { return std::string(1, kGlobal) + "validator_set"; }
std::string genesis_hash() { return std::string(1, kGlobal) + "genesis_hash"; }

}  // namespace ghost::ledger::keys
