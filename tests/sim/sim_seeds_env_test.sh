#!/usr/bin/env bash
# Usage: sim_seeds_env_test.sh GHOST_SIM. GHOST_SIM_SEEDS that is not a count >= 1 must make
# ghost_sim fail (so `GHOST_SIM_SEEDS=junk ctest -L sim` fails) instead of sweeping 0 seeds.
set -uo pipefail
sim=$1
failures=0
for bad in junk 0 -3 5x "" " 5" 1e3; do
  out=$(GHOST_SIM_SEEDS=$bad "$sim" --validators 4 --first 1 --seeds 1 --no-faults 2>&1)
  rc=$?
  if [[ $rc == 0 || $out != *"GHOST_SIM_SEEDS"* ]]; then
    echo "FAIL: GHOST_SIM_SEEDS='$bad' -> rc=$rc; got: $out"
    failures=$((failures + 1))
  fi
done
out=$(GHOST_SIM_SEEDS=2 "$sim" --validators 4 --first 1 --seeds 50 --no-faults 2>&1)
[[ $? == 0 && $out == "2 seeds x 4 validators: 0 violations"* ]] ||
  { echo "FAIL: GHOST_SIM_SEEDS=2 did not run 2 seeds: $out"; failures=$((failures + 1)); }
((failures)) && exit 1
echo "GHOST_SIM_SEEDS: all checks passed"
