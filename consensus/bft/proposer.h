// Weighted round-robin proposer selection with priorities, as CometBFT specifies it
// (spec/consensus/proposer-selection.md): every step each validator's priority grows by its
// power and the one with the highest priority proposes and pays back the total power, so
// over time each proposes in proportion to its power. Ties go to the lower key.
#pragma once

#include <cstdint>

#include "consensus/bft/validator_set.h"

namespace ghost::bft {

// Advances the schedule `times` (>= 1) steps; set.proposer_index() is the last one chosen.
void increment_proposer_priority(ValidatorSet& set, uint32_t times);

// The schedule of a genesis set: fresh priorities, then one step (round 0 of the first height).
ValidatorSet start_schedule(ValidatorSet set);

// A new epoch's set built from `next` (keys and powers) that keeps the priorities of
// validators already in `current`; newcomers start at -1.125 x total power so joining
// cannot be used to jump the queue. The result has not been incremented yet: the caller
// steps it once like any other height.
ValidatorSet carry_priorities(const ValidatorSet& current, ValidatorSet next);

// The proposer of `round` at a height whose round-0 schedule is `height_set`.
size_t proposer_for_round(const ValidatorSet& height_set, uint32_t round);

}  // namespace ghost::bft
