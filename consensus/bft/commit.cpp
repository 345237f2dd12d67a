#include "consensus/bft/commit.h"

namespace ghost::bft {

pb::Commit make_commit(uint64_t height, uint32_t round, const Hash32& block_hash,
                       const std::vector<pb::SignedVote>& precommits) {
  pb::Commit c;
  c.set_height(height);
  c.set_round(round);
  c.set_block_hash(block_hash.data(), 32);
  for (const auto& v : precommits) *c.add_precommits() = v;
  return c;
}

Result<void> verify_commit(const pb::Commit& commit, const ValidatorSet& set, std::string_view chain_id,
                           SigCache* cache) {
  if (commit.block_hash().size() != 32) return fail("a commit's block hash is 32 bytes");
  if (size_t(commit.precommits_size()) > set.size()) return fail("a commit has more precommits than validators");
  std::vector<bool> seen(set.size());
  uint64_t power = 0;
  for (const auto& sv : commit.precommits()) {
    const pb::Vote& v = sv.vote();
    if (v.type() != pb::PRECOMMIT) return fail("a commit entry is not a precommit");
    if (v.height() != commit.height() || v.round() != commit.round() || v.block_hash() != commit.block_hash())
      return fail("a commit entry is for another height, round or block");
    auto idx = verify_vote(sv, set, chain_id, cache);
    if (!idx) return fail(idx.error(), "commit entry: ");
    if (seen[*idx]) return fail("a validator appears twice in a commit");
    seen[*idx] = true;
    power += set.validators()[*idx].power;
  }
  if (!set.is_quorum(power))
    return fail("a commit holds " + std::to_string(power) + " of " + std::to_string(set.total_power()) +
                " voting power, not more than 2/3");
  return {};
}

}  // namespace ghost::bft
