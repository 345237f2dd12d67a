// The fee rule over one sender's pending txs (docs/protocol.md §4.4): block execution charges
// each tx's fee before its body, so a tx can execute only if the balance pays its fee after
// the fees of the sender's txs before it. Transfer amounts are not counted.
#pragma once

#include <cstdint>
#include <optional>

#include "node/mempool/mempool.h"
#include "node/mempool/pool.h"

namespace ghost::mempool {

// The fees of the pending txs with nonce in [account nonce, nonce).
unsigned __int128 fees_before(const Nonces& txs, const AccountState& account, uint64_t nonce);

// The lowest pending nonce at or above the account's whose fee, after the fees before it,
// exceeds the balance; none when the balance pays them all.
std::optional<uint64_t> first_unpaid(const Nonces& txs, const AccountState& account);

}  // namespace ghost::mempool
