#!/usr/bin/env bash
# Usage: keys_cli_test.sh PATH_TO_GHOST. Exits non-zero if any check fails.
source "$(dirname "$0")/../cli_lib.sh" "$1"
json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" <<<"$2"; }

printf 'correct horse\n' >pass.txt
printf 'wrong\n' >wrong.txt
: >empty.txt

for cmd in "keys" "keys new" "keys list" "keys show" "keys import" "keys export" "keys address"; do run 0 "Usage:" $cmd --help; done
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

run 1 "no keystore at missing.json" keys show missing.json
printf '{"version":2}' >v2.json
run 1 "unsupported keystore version 2" keys show v2.json
run 1 "64 hex digits" keys address 1234
run 1 "not the x-coordinate" keys address EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34

# The keyring: names, list, import, export.
export GHOST_KEYRING=$PWD/ring
run 0 "no keys in $PWD/ring" keys list
run 0 '"encrypted":true' keys new alice --passphrase-file pass.txt --json
alice=$(json_field address "$LAST")
[[ $(stat -c %a ring) == 700 ]] || { echo "FAIL: the keyring folder is not mode 700"; failures=$((failures + 1)); }
run 0 "UNENCRYPTED" keys new bob --unencrypted-testnet-key
run 1 "already exists" keys new alice --passphrase-file pass.txt
run 1 "not a key name" keys new ../evil --unencrypted-testnet-key
run 1 "not both" keys new carol --out carol.json --unencrypted-testnet-key
run 1 "give a key NAME" keys new --unencrypted-testnet-key
run 0 "$alice" keys list
grep -Eq "^alice +$alice +yes$" <<<"$LAST" || { echo "FAIL: keys list row for alice: $LAST"; failures=$((failures + 1)); }
grep -Eq "^bob +gc1[0-9a-f]{40} +NO \(test key\)$" <<<"$LAST" || { echo "FAIL: keys list row for bob: $LAST"; failures=$((failures + 1)); }
run 0 "address: $alice" keys show alice
run 0 "secret_checked: true" keys show alice --passphrase-file pass.txt
run 1 "no key named zed in the keyring $PWD/ring" keys show zed
run 0 "\"name\":\"alice\"" keys list --json

run 0 "address: $addr" keys import imported --from a.json
cmp -s a.json ring/imported.json || { echo "FAIL: import changed the keystore"; failures=$((failures + 1)); }
run 0 "secret_checked: true" keys show imported --passphrase-file pass.txt
run 1 "already exists" keys import imported --from a.json
run 1 "unsupported keystore version 2" keys import v2 --from v2.json
[[ ! -e ring/v2.json ]] || { echo "FAIL: a refused import left ring/v2.json"; failures=$((failures + 1)); }
run 1 "give --from KEYSTORE or --private-key-file FILE" keys import x
printf '%064x\n' 7 >secret.hex
run 0 '"encrypted":true' keys import raw --private-key-file secret.hex --passphrase-file pass.txt --json
run 0 "secret_checked: true" keys show raw --passphrase-file pass.txt
printf 'zz\n' >bad.hex
run 1 "does not hold a secret key as 64 hex digits" keys import raw2 --private-key-file bad.hex --unencrypted-testnet-key
printf '%064d\n' 0 >zero.hex
run 1 "private key" keys import raw3 --private-key-file zero.hex --unencrypted-testnet-key
[[ ! -e ring/raw2.json && ! -e ring/raw3.json ]] || { echo "FAIL: a refused import left a file"; failures=$((failures + 1)); }

run 0 "address: $alice" keys export alice --out alice-backup.json
cmp -s ring/alice.json alice-backup.json || { echo "FAIL: export changed the keystore"; failures=$((failures + 1)); }
[[ $(stat -c %a alice-backup.json) == 600 ]] || { echo "FAIL: the export is not mode 600"; failures=$((failures + 1)); }
run 1 "already exists" keys export alice --out alice-backup.json
run 1 "no key named nobody" keys export nobody --out n.json
printf 'garbage' >ring/broken.json
run 0 "broken.json is not a readable keystore" keys list

finish "ghost keys"
