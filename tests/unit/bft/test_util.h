// Shared fixtures for the BFT unit tests: an in-memory durable store, a fixed validator set
// of deterministic keys, and signing helpers.
#pragma once

#include <map>

#include "consensus/bft/durable_store.h"
#include "consensus/bft/proposer.h"
#include "consensus/bft/validator_set.h"
#include "proto/decode.h"
#include "proto/tx.pb.h"

namespace ghost::bft::testing {

inline constexpr const char* kChain = "ghost-test";

// Files in memory; `fail_writes` makes every write fail (a full or broken disk).
class MemoryStore : public DurableStore {
 public:
  std::map<std::string, Bytes> files;
  bool fail_writes = false;
  Result<std::optional<Bytes>> read(const std::string& n) override {
    auto it = files.find(n);
    return it == files.end() ? std::optional<Bytes>{} : std::optional<Bytes>{it->second};
  }
  Result<void> write_atomic(const std::string& n, ByteSpan d) override {
    if (fail_writes) return fail("disk full");
    files[n].assign(d.begin(), d.end());
    return {};
  }
  Result<void> append(const std::string& n, ByteSpan d) override {
    if (fail_writes) return fail("disk full");
    files[n].insert(files[n].end(), d.begin(), d.end());
    return {};
  }
  Result<void> sync(const std::string&) override { return fail_writes ? Result<void>(fail("disk full")) : Result<void>{}; }
  Result<void> truncate(const std::string& n, uint64_t size) override {
    if (files[n].size() > size) files[n].resize(size);
    return {};
  }
};

inline PrivateKey test_key(size_t i) { return PrivateKey::from_seed("bft-test-key-" + std::to_string(i)); }

inline ValidatorSet test_set(const std::vector<uint64_t>& powers) {
  std::vector<Validator> v;
  for (size_t i = 0; i < powers.size(); ++i) v.push_back({test_key(i).public_key(), powers[i], 0});
  return start_schedule(*ValidatorSet::make(v));
}

inline std::string key_str(const PublicKey& k) { return std::string(k.bytes.begin(), k.bytes.end()); }

inline pb::Vote make_vote(pb::VoteType type, uint64_t h, uint32_t r, const std::optional<Hash32>& value, const PublicKey& who) {
  pb::Vote v;
  v.set_type(type);
  v.set_height(h);
  v.set_round(r);
  if (value) v.set_block_hash(value->data(), 32);
  v.set_validator(key_str(who));
  return v;
}

inline pb::SignedVote sign_vote(const PrivateKey& k, const pb::Vote& v) {
  pb::SignedVote sv;
  *sv.mutable_vote() = v;
  // Zero auxiliary randomness: the same vote always gets the same bytes.
  Signature s = k.sign_hash(signing_hash(SignDomain::kVote, kChain, pb::encode(v)), std::array<uint8_t, 32>{});
  sv.set_signature(s.bytes.data(), 64);
  return sv;
}

}  // namespace ghost::bft::testing
