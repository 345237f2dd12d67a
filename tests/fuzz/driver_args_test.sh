#!/usr/bin/env bash
# Usage: driver_args_test.sh FUZZ_BINARY. The gcc fuzz driver must refuse a bad --runs or
# --seed (exit 2, a message naming the flag) instead of running zero or surprising inputs.
set -uo pipefail
bin=$1
failures=0
refuse() {
  local out rc
  out=$("$bin" "$@" 2>&1)
  rc=$?
  if [[ $rc != 2 || $out != *"$1"* || $out == *"no crash"* ]]; then
    echo "FAIL: $bin $* -> rc=$rc, wanted rc 2 and a message about $1; got: $out"
    failures=$((failures + 1))
  fi
}
for bad in abc 0 -5 10x "" " 7" +3 99999999999999999999999; do refuse --runs "$bad" --seed 1; done
for bad in abc -1 7x "" 1.5; do refuse --seed "$bad" --runs 1; done
refuse --runs
refuse --rnus 10
out=$("$bin" --runs 3 --seed 0 2>&1) && [[ $out == "3 runs, seed 0: no crash" ]] ||
  { echo "FAIL: a good --runs/--seed was refused: $out"; failures=$((failures + 1)); }
((failures)) && exit 1
echo "driver arguments: all checks passed"
