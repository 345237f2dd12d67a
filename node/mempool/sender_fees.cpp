#include "node/mempool/sender_fees.h"

namespace ghost::mempool {

unsigned __int128 fees_before(const Nonces& txs, const AccountState& account, uint64_t nonce) {
  unsigned __int128 sum = 0;
  for (auto it = at_or_after(txs, account.nonce); it != txs.end() && it->nonce < nonce; ++it) sum += it->fee;
  return sum;
}

std::optional<uint64_t> first_unpaid(const Nonces& txs, const AccountState& account) {
  unsigned __int128 sum = 0;
  for (auto it = at_or_after(txs, account.nonce); it != txs.end(); ++it) {
    sum += it->fee;
    if (sum > account.balance) return it->nonce;
  }
  return std::nullopt;
}

}  // namespace ghost::mempool
