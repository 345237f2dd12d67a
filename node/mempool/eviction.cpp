#include "node/mempool/eviction.h"

#include <limits>
#include <map>

namespace ghost::mempool {

std::optional<std::vector<Cut>> plan_eviction(const Pool& pool, const Entry& incoming, const Entry* replaced,
                                              uint64_t max_txs, uint64_t max_bytes) {
  uint64_t txs = pool.size(), bytes = pool.bytes();
  if (replaced) {
    txs -= 1;
    bytes -= replaced->size();
  }
  auto fits = [&] { return txs < max_txs && incoming.size() <= max_bytes && bytes <= max_bytes - incoming.size(); };
  // Per sender, the lowest nonce planned to go; everything above it goes with it.
  std::map<Address, uint64_t> cut_at;
  for (const auto& [rate, seq, victim] : pool.by_fee_rate()) {
    if (fits()) break;
    if (!(rate < incoming.rate())) return std::nullopt;
    if (victim->sender == incoming.sender && victim->nonce <= incoming.nonce) continue;
    auto [at, fresh] = cut_at.try_emplace(victim->sender, std::numeric_limits<uint64_t>::max());
    if (!fresh && victim->nonce >= at->second) continue;  // already in a planned cut
    const Nonces& nonces = *pool.sender(victim->sender);
    for (auto it = at_or_after(nonces, victim->nonce); it != nonces.end() && (fresh || it->nonce < at->second); ++it) {
      txs -= 1;
      bytes -= it->raw.size();
    }
    at->second = victim->nonce;
  }
  if (!fits()) return std::nullopt;
  std::vector<Cut> cuts;
  for (const auto& [sender, first] : cut_at) cuts.push_back({sender, first});
  return cuts;
}

}  // namespace ghost::mempool
