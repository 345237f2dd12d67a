#include "consensus/ledger/params.h"

#include <string>

namespace ghost::ledger {

pb::Params default_params() {
  pb::Params p;
  p.set_max_validators(100);
  p.set_timeout_propose_ms(1000);
  p.set_timeout_prevote_ms(500);
  p.set_timeout_precommit_ms(500);
  p.set_timeout_delta_ms(500);
  p.set_timeout_commit_ms(500);
  p.set_max_block_bytes(4u << 20);
  p.set_min_stake_validator(1000 * kMicroPerCredit);
  p.set_min_stake_worker(100 * kMicroPerCredit);
  p.set_unbonding_blocks(100);
  p.set_challenge_blocks(20);
  p.set_job_deadline_blocks(10);
  p.set_spot_check_rate_ppm(100'000);
  p.set_slash_fraction_fraud_ppm(100'000);
  p.set_slash_fraction_double_sign_ppm(50'000);
  p.set_protocol_fee_share_ppm(100'000);
  p.set_challenger_reward_ppm(500'000);
  p.set_base_fee(1000);
  p.set_fee_per_byte(10);
  p.set_challenge_bond(10 * kMicroPerCredit);
  p.set_epoch_blocks(100);
  p.set_jail_blocks(100);
  p.set_max_tx_bytes(1u << 20);
  p.set_block_reward(0);
  p.set_evidence_max_age_blocks(100);
  // Search faults and misses (docs/decisions.md, "Faults cost a multiple of the fee").
  p.set_fault_penalty_prices(40);
  p.set_miss_penalty_ppm(1'000'000);
  p.set_fault_window_blocks(1000);
  p.set_max_faults_per_window(3);
  return p;
}

Result<void> validate_params(const pb::Params& p) {
  auto fraction = [](const char* name, uint32_t v) -> Result<void> {
    if (v > kPpm) return fail(std::string("params.") + name + " is above 1.0 (1000000 ppm)");
    return {};
  };
  for (auto [name, v] : {std::pair{"spot_check_rate_ppm", p.spot_check_rate_ppm()},
                         {"slash_fraction_fraud_ppm", p.slash_fraction_fraud_ppm()},
                         {"slash_fraction_double_sign_ppm", p.slash_fraction_double_sign_ppm()},
                         {"protocol_fee_share_ppm", p.protocol_fee_share_ppm()},
                         {"challenger_reward_ppm", p.challenger_reward_ppm()},
                         {"miss_penalty_ppm", p.miss_penalty_ppm()}})
    if (auto r = fraction(name, v); !r) return r;
  for (auto [name, v] : {std::pair<const char*, uint64_t>{"max_validators", p.max_validators()},
                         {"max_block_bytes", p.max_block_bytes()},
                         {"max_tx_bytes", p.max_tx_bytes()},
                         {"epoch_blocks", p.epoch_blocks()},
                         {"unbonding_blocks", p.unbonding_blocks()},
                         {"challenge_blocks", p.challenge_blocks()},
                         {"job_deadline_blocks", p.job_deadline_blocks()},
                         {"min_stake_validator", p.min_stake_validator()},
                         {"min_stake_worker", p.min_stake_worker()}})
    if (v == 0) return fail(std::string("params.") + name + " must be positive");
  if (p.max_tx_bytes() > p.max_block_bytes()) return fail("params.max_tx_bytes is above max_block_bytes");
  return {};
}

uint64_t apply_ppm(uint64_t amount, uint32_t ppm) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(amount) * ppm / kPpm);
}

}  // namespace ghost::ledger
