#!/usr/bin/env bash
# Usage: model_cli_test.sh PATH_TO_GHOST. Exits non-zero if any check fails.
source "$(dirname "$0")/../cli_lib.sh" "$1"
model_id() { sed -n 's/^model id: *\([0-9a-f]\{64\}\)$/\1/p' <<<"$1" | head -1; }

for cmd in "model" "model build" "model build fashion-mnist" "model build synthetic" "model show" "model check" "model infer" "model eval"; do
  run 0 "Usage:" $cmd --help
done
run 1 "A subcommand is required" model

# Synthetic models are a pure function of the seed: same seed, same model id.
run 0 "built syn-a" model build synthetic --n 3000 --d 32 --seed 7 --out syn-a --threads 2
id_a=$(model_id "$LAST")
run 0 "built syn-b" model build synthetic --n 3000 --d 32 --seed 7 --out syn-b --threads 2
[[ -n $id_a && $id_a == $(model_id "$LAST") ]] || { echo "FAIL: same seed, different model ids"; failures=$((failures + 1)); }
run 0 "built syn-c" model build synthetic --n 3000 --d 32 --seed 8 --out syn-c --threads 2
[[ $id_a != $(model_id "$LAST") ]] || { echo "FAIL: different seeds, same model id"; failures=$((failures + 1)); }
run 1 "give --out a new directory" model build synthetic --n 3000 --d 32 --seed 7 --out syn-a
run 1 "k must be at most n" model build synthetic --n 5 --d 32 --seed 7 --out syn-d
run 1 "--n is required" model build synthetic --d 32 --seed 7 --out syn-d

run 0 "L0.W_K  3000 leaves x 32 floats  root " model show syn-a
[[ $LAST == *"search:  ef=40 graph_m=16 graph_levels="* && $LAST == *"L0.C  3000 leaves x 17 words"* &&
   $LAST == *"L0.G  3000 leaves x "* ]] || { echo "FAIL: show prints no committed search: $LAST"; failures=$((failures + 1)); }
[[ $(model_id "$LAST") == "$id_a" ]] || { echo "FAIL: show prints another model id"; failures=$((failures + 1)); }
run 0 '"roots_hex":{"L0.W_K":"' model show syn-a/model.ghost --json
run 0 '"hash_function":"SHA256_MERKLE_V1"' model show syn-a --json
# check: a folder's model.ghost must be the one its weights and settings imply.
run 0 "model.ghost matches the folder (model id $id_a)" model check syn-a
run 0 '"ok":true' model check syn-a --json
cp syn-a/model.ghost syn-a.ghost && cp syn-c/model.ghost syn-a/model.ghost
run 1 "is not the ghost file this folder implies" model check syn-a
printf 'not a ghost file' >syn-a/model.ghost
run 1 "cannot read syn-a/model.ghost" model check syn-a
mv syn-a.ghost syn-a/model.ghost
run 0 "model.ghost matches the folder" model check syn-a
run 1 "cannot read syn-missing/model.ghost" model check syn-missing
printf 'not a ghost file' >bad.ghost
run 1 "cannot show bad.ghost" model show bad.ghost
run 1 "No such file" model show missing.ghost

# 32 little-endian float32s, ((i * 7919) % 13 - 6) / 3 for i = 0..31 (printf: no python here).
printf '\x00\x00\x00\xc0\xab\xaa\xaa\xbf\xab\xaa\x2a\xbf\x00\x00\x00\x00\xab\xaa\x2a\x3f\xab\xaa\xaa\x3f\x00\x00\x00\x40\x55\x55\xd5\xbf\x00\x00\x80\xbf\xab\xaa\xaa\xbe\xab\xaa\xaa\x3e\x00\x00\x80\x3f\x55\x55\xd5\x3f\x00\x00\x00\xc0\xab\xaa\xaa\xbf\xab\xaa\x2a\xbf\x00\x00\x00\x00\xab\xaa\x2a\x3f\xab\xaa\xaa\x3f\x00\x00\x00\x40\x55\x55\xd5\xbf\x00\x00\x80\xbf\xab\xaa\xaa\xbe\xab\xaa\xaa\x3e\x00\x00\x80\x3f\x55\x55\xd5\x3f\x00\x00\x00\xc0\xab\xaa\xaa\xbf\xab\xaa\x2a\xbf\x00\x00\x00\x00\xab\xaa\x2a\x3f\xab\xaa\xaa\x3f' >x.bin
[[ $(stat -c %s x.bin) == 128 ]] || { echo "FAIL: x.bin is not 32 floats"; failures=$((failures + 1)); }
head -c 100 x.bin >short.bin
run 0 "verified:  ok" model infer syn-a --input x.bin
# Another process holds the folder's LevelDB lock (as a serving worker does): readers still open it.
python3 -c 'import fcntl, sys, time; f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(60)' syn-a/weights/LOCK >lock.out &
holder=$!
for _ in $(seq 50); do grep -q locked lock.out 2>/dev/null && break; sleep 0.1; done
run 0 "verified:  ok" model infer syn-a --input x.bin
kill $holder; wait $holder 2>/dev/null || true
[[ ! -e syn-a/weights.readers ]] || { echo "FAIL: the reader left its copy behind"; failures=$((failures + 1)); }
run 0 '"verified":true' model infer syn-a --input x.bin --json --exact --proof-out proof.bin
[[ -s proof.bin ]] || { echo "FAIL: no proof written"; failures=$((failures + 1)); }
run 1 "f32 input must be" model infer syn-a --input short.bin
run 1 "give --input FILE or --fashion-test I" model infer syn-a
run 1 "cannot read input file" model infer syn-a --input nothing.bin
run 1 "need a fashion-mnist model" model infer syn-a --fashion-test 0
run 1 "need a fashion-mnist model" model eval syn-a --fashion-test-all
run 1 "cannot open model" model infer no-such-dir --input x.bin

# A small fashion-mnist model (the first 3,000 training images). scripts/setup installs the
# dataset (dataset-fashion-mnist), so its absence is a failure, not a reason to skip.
FASHION_DIR=${GHOST_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
if [[ ! -d $FASHION_DIR ]]; then
  echo "FAIL: fashion-mnist not found at $FASHION_DIR (install dataset-fashion-mnist with scripts/setup, or set GHOST_FASHION_DIR)"
  failures=$((failures + 1))
else
  run 0 "HOPFIELD_LOOKUP d=784 d_out=10 n=3000 k=16 beta=150 input=U8" \
    model build fashion-mnist --out fm --n 3000 --threads 2
  # The model's answer, not the dataset's label: the printed argmax must be the index of the
  # largest output (recomputed here from the output vector), and for test image 0 (an ankle
  # boot, label 9) the model answers 9.
  argmax_of() { sed -n 's/.*"output":\[\([^]]*\)\].*/\1/p' <<<"$1" | tr ',' '\n' | nl -v0 -ba | sort -k2,2gr -k1,1n | head -1 | tr -s ' \t' ' ' | cut -d' ' -f2; }
  run 0 '"label":9' model infer fm --fashion-test 0 --json
  [[ $LAST == *'"argmax":9,'* ]] || { echo "FAIL: the model does not answer 9 for test image 0: $LAST"; failures=$((failures + 1)); }
  [[ -n $(argmax_of "$LAST") && $(argmax_of "$LAST") == 9 ]] ||
    { echo "FAIL: the largest output of test image 0 is at $(argmax_of "$LAST"), not 9"; failures=$((failures + 1)); }
  run 1 "image index must be below 10000" model infer fm --fashion-test 10000
  # eval's accuracy over the first 10 images is the share of them that infer, one by one,
  # answers with their label.
  right=0
  for i in 0 1 2 3 4 5 6 7 8 9; do
    run 0 '"verified":true' model infer fm --fashion-test $i --json
    a=$(sed -n 's/.*"argmax":\([0-9]*\),.*/\1/p' <<<"$LAST") l=$(sed -n 's/.*"label":\([0-9]*\),.*/\1/p' <<<"$LAST")
    [[ -n $a && -n $l ]] || { echo "FAIL: no argmax or label in: $LAST"; failures=$((failures + 1)); }
    [[ -n $a && $a == "$l" ]] && right=$((right + 1))
  done
  want_accuracy=$( ((right == 10)) && echo 1 || { ((right == 0)) && echo 0 || echo "0.$right"; })
  run 0 "accuracy:  $want_accuracy"$'\n' model eval fm --fashion-test-all --limit 10
  [[ $LAST == *"images:    10"$'\n'* ]] || { echo "FAIL: eval --limit 10 did not evaluate 10 images"; failures=$((failures + 1)); }
  run 0 '"images":50,' model eval fm --fashion-test-all --limit 50 --json
  run 0 "(graph search, ef 40, vs exact top-k)" model eval fm --fashion-test-all --limit 50
  run 1 "--fashion-test-all is required" model eval fm
fi

finish "ghost model"
