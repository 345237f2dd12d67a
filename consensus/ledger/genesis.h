// Genesis (docs/protocol.md §8): the chain id, parameters, balances, initial validator and worker
// stakes and registered models that height 0 starts from. Text form: protobuf's JSON
// mapping of pb::Genesis (bytes as base64), binary form: its protobuf encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "base/result.h"
#include "proto/genesis.pb.h"

namespace ghost::ledger {

inline constexpr size_t kMaxGenesisBytes = 64u << 20;

// Parse, fill in default_params() when "params" is absent, then validate_genesis.
Result<pb::Genesis> parse_genesis_json(std::string_view json);
Result<pb::Genesis> parse_genesis_binary(ByteSpan bytes);
std::string genesis_to_json(const pb::Genesis& g);

// Fails with the first problem: a bad chain id, invalid params, a malformed or repeated
// address or key, a stake below its minimum, a worker serving a model not in genesis, an
// invalid ghost file, no validator at all, or a total supply that overflows u64.
Result<void> validate_genesis(const pb::Genesis& g);

// The sum of balances and stakes: the supply height 0 starts with.
Result<uint64_t> genesis_supply(const pb::Genesis& g);
// SHA-256 of the deterministic encoding: a state store remembers which genesis it grew from.
Hash32 genesis_hash(const pb::Genesis& g);

}  // namespace ghost::ledger
