#!/usr/bin/env bash
# Usage: client_cli_test.sh PATH_TO_GHOST. The client commands of paid jobs where no chain is
# needed: `ghost proof verify` against a ghost file (a good, a tampered, a foreign and a junk
# proof), and every refusal that comes before a node is asked or when none answers (usage
# errors exit 1, an unreachable node 3, a failed proof 6), changing no file.
source "$(dirname "$0")/../cli_lib.sh" "$1"

for cmd in "infer" "train" "worker" "worker register" "worker status" "model register" "proof" "proof verify"; do
  run 0 "Usage:" $cmd --help
done
run 0 "5 job refunded" infer --help
run 0 "6 a proof failed the local check" proof verify --help

python3 -c 'import struct, sys; open(sys.argv[1], "wb").write(struct.pack("<16f", *[((i * 7919) % 13 - 6) / 3 for i in range(16)]))' x.bin
run 0 "built syn" model build synthetic --n 400 --d 16 --seed 3 --out syn --threads 2
run 0 "built other" model build synthetic --n 400 --d 16 --seed 4 --out other --threads 2
run 0 "verified:  ok" model infer syn --input x.bin --exact --proof-out proof.bin

run 0 "verified:  ok" proof verify proof.bin --ghost-file syn
run 0 "roots:     from ghost file syn/model.ghost" proof verify proof.bin --ghost-file syn/model.ghost
run 0 '"verified":true' proof verify proof.bin --ghost-file syn --json
# The answer proof verify recomputes is the one model infer printed.
want=$("$GHOST" model infer syn --input x.bin --exact --json | sed -n 's/.*"output":\(\[[^]]*\]\).*/\1/p')
got=$("$GHOST" proof verify proof.bin --ghost-file syn --json | sed -n 's/.*"output":\(\[[^]]*\]\).*/\1/p')
[[ -n $want && $want == "$got" ]] || { echo "FAIL: proof verify recomputed $got, model infer answered $want"; failures=$((failures + 1)); }

# One flipped byte in the middle (inside an opened leaf or a multiproof helper) must fail.
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; open(sys.argv[2], "wb").write(b)' proof.bin tampered.bin
run 6 "tampered.bin does not verify" proof verify tampered.bin --ghost-file syn
run 6 '"verified":false' proof verify tampered.bin --ghost-file syn --json
run 6 "proof is for model" proof verify proof.bin --ghost-file other
printf 'not a proof' >junk.bin
run 6 "not a ghost proof" proof verify junk.bin --ghost-file syn
run 1 "cannot read proof file" proof verify missing.bin --ghost-file syn
run 1 "cannot read the ghost file" proof verify proof.bin --ghost-file x.bin
run 1 "give --ghost-file F or --model ID" proof verify proof.bin
run 1 "not a model id" proof verify proof.bin --model 1234
run 1 "excludes" proof verify proof.bin --ghost-file syn --model 00
run 6 "not a training proof" proof verify proof.bin --ghost-file syn --train

# Refused before any node is asked.
id=$("$GHOST" model show syn --json | sed -n 's/.*"model_id":"\([0-9a-f]*\)".*/\1/p')
run 1 "--model is required" infer --input x.bin --from k
run 1 "excludes" infer --model "$id" --input x.bin --fashion-test 1 --from k
run 1 "--from is required" infer --model "$id" --input x.bin
run 1 "excludes" train --model "$id" --input x.bin --target t.bin --target-class 1 --from k
run 1 "--stake is required" worker register --model "$id" --price 1 --from k
run 1 "must start with http://" worker status --node 127.0.0.1:1
run 1 "cannot read the ghost file" model register x.bin --from k
run 1 "--policy must be owner-only or frozen" model register syn --from k --policy sometimes --node http://127.0.0.1:1

# Nothing listens on port 1: exit 3, and register leaves the folder's ghost file as it was.
before=$(sha256sum syn/model.ghost)
unreachable="http://127.0.0.1:1"
run 3 "cannot reach the node" infer --model "$id" --input x.bin --from k --node "$unreachable"
run 3 "cannot reach the node" train --model "$id" --input x.bin --target-class 1 --from k --node "$unreachable"
run 3 "cannot reach the node" worker status --node "$unreachable"
run 3 "cannot reach the node" worker register --model "$id" --stake 100 --price 1 --from k --node "$unreachable"
run 3 "cannot reach the node" model register syn --from k --node "$unreachable"
run 3 "cannot reach the node" proof verify proof.bin --model "$id" --node "$unreachable"
[[ $(sha256sum syn/model.ghost) == "$before" ]] || { echo "FAIL: a register that reached no node rewrote the ghost file"; failures=$((failures + 1)); }

finish "ghost client commands"
