#!/usr/bin/env bash
# Usage: keys_cli_test.sh PATH_TO_GHOST. Exits non-zero if any check fails.
source "$(dirname "$0")/../cli_lib.sh" "$1"
json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" <<<"$2"; }

printf 'correct horse\n' >pass.txt
printf 'wrong\n' >wrong.txt
: >empty.txt

for cmd in "keys" "keys new" "keys show" "keys address"; do run 0 "Usage:" $cmd --help; done
run 1 "A subcommand is required" keys

run 0 '"encrypted":true' keys new --out a.json --passphrase-file pass.txt --json
addr=$(json_field address "$LAST")
pubkey=$(json_field pubkey "$LAST")
[[ $addr =~ ^gc1[0-9a-f]{40}$ ]] || { echo "FAIL: bad address '$addr'"; failures=$((failures + 1)); }
[[ $(stat -c %a a.json) == 600 ]] || { echo "FAIL: a.json is not mode 600"; failures=$((failures + 1)); }
grep -q '"kdf":"scrypt"' a.json || { echo "FAIL: a.json is not encrypted"; failures=$((failures + 1)); }

run 0 '"secret_checked":false' keys show a.json --json
run 0 '"secret_checked":true' keys show a.json --passphrase-file pass.txt --json
[[ $(json_field address "$LAST") == "$addr" ]] || { echo "FAIL: show gives another address"; failures=$((failures + 1)); }
run 0 "address: $addr" keys address "$pubkey"
run 0 "secret_checked: true" keys show a.json --passphrase-file - <pass.txt
run 1 "wrong passphrase or corrupted keystore" keys show a.json --passphrase-file wrong.txt

before=$(sha256sum a.json)
run 1 "already exists" keys new --out a.json --passphrase-file pass.txt
[[ $(sha256sum a.json) == "$before" ]] || { echo "FAIL: a.json was overwritten"; failures=$((failures + 1)); }

run 1 "give --passphrase-file FILE to encrypt the key, or --unencrypted-testnet-key" keys new --out b.json
run 1 "excludes" keys new --out b.json --passphrase-file pass.txt --unencrypted-testnet-key
run 1 "is empty" keys new --out b.json --passphrase-file empty.txt
run 1 "cannot read passphrase file" keys new --out b.json --passphrase-file missing.txt
[[ ! -e b.json ]] || { echo "FAIL: a failed 'keys new' left b.json behind"; failures=$((failures + 1)); }

run 0 "WARNING: c.json holds an UNENCRYPTED private key" keys new --out c.json --unencrypted-testnet-key
run 0 "WARNING: c.json holds an UNENCRYPTED private key" keys show c.json

run 1 "keystore: cannot open missing.json" keys show missing.json
printf '{"version":2}' >v2.json
run 1 "unsupported keystore version 2" keys show v2.json
run 1 "64 hex digits" keys address 1234
run 1 "not the x-coordinate" keys address EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34

finish "ghost keys"
