# Shared by the CLI end-to-end scripts. Sourced with the path of the ghost binary: works in a
# fresh temporary directory, counts failures; `finish NAME` reports and sets the exit code.
set -uo pipefail
GHOST=$(realpath "$1")
[[ -x $GHOST ]] || { echo "no ghost binary at $1"; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
failures=0

# run EXPECTED_RC WANTED_TEXT ARGS...: runs ghost, checks the exit code and that stdout+stderr
# contain WANTED_TEXT; the output is left in LAST.
run() {
  local want_rc=$1 want_text=$2
  shift 2
  local out rc
  out=$("$GHOST" "$@" 2>&1)
  rc=$?
  if [[ $want_rc == 0 && $rc != 0 || $want_rc != 0 && $rc == 0 ]] || [[ $out != *"$want_text"* ]]; then
    echo "FAIL: ghost $* -> rc=$rc, wanted rc $want_rc and text '$want_text'; got:"
    echo "$out" | tail -20
    failures=$((failures + 1))
  fi
  LAST=$out
}

finish() {
  if ((failures)); then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "$1: all checks passed"
}
