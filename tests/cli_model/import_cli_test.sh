#!/usr/bin/env bash
# `ghost model import` end to end: weights written by NumPy (.npy, .npz, Fortran order) and
# by a safetensors writer built from the format's description (8-byte header length, JSON
# header, raw little-endian data) import to the same roots, and the imported model's answer
# equals the Hopfield layer computed by NumPy from the same arrays. Every malformed export
# fails with a message naming what is wrong and leaves no model behind.
source "$(dirname "$0")/../cli_lib.sh" "$1"
PY=/usr/bin/python3

$PY - <<'EOF'
import json, struct
import numpy as np
rng = np.random.default_rng(7)
n, d, d_out = 64, 8, 3
wk = rng.standard_normal((n, d)).astype(np.float32)
wv = rng.standard_normal((n, d_out)).astype(np.float32)
np.savez("w.npz", W_K=wk, W_V=wv)
np.save("L0.W_K.npy", wk)
np.save("L0.W_V.npy", np.asfortranarray(wv.astype(np.float64)))  # float64, Fortran order
np.savez("params.npz", **{"L0.beta": np.float32(4.0), "L0.k": np.int64(5)})

def safetensors(path, arrays, metadata=None):
    header, blobs, off = {}, [], 0
    for name, a in arrays.items():
        b = np.ascontiguousarray(a).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    if metadata: header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))

safetensors("w.safetensors", {"L0.W_K": wk, "L0.W_V": wv}, {"format": "pt", "L0.beta": "4", "L0.k": "5"})
x = rng.standard_normal(d).astype(np.float32)
open("x.bin", "wb").write(x.astype("<f4").tobytes())
# The layer in float64: top-5 by <W_K row, x/|x|>, softmax(4 s), weighted W_V rows.
xh = x.astype(np.float64) / np.linalg.norm(x.astype(np.float64))
s = wk.astype(np.float64) @ xh
top = np.sort(np.argsort(-s, kind="stable")[:5])
p = np.exp(4 * (s[top] - s[top].max())); p /= p.sum()
json.dump({"selected": top.tolist(), "output": (p @ wv[top].astype(np.float64)).tolist()}, open("expect.json", "w"))

# Broken exports.
np.savez("nan.npz", W_K=np.where(np.arange(n * d).reshape(n, d) == 9, np.nan, wk), W_V=wv)
np.savez("rows.npz", W_K=wk, W_V=wv[:-1])
np.savez("typo.npz", W_K=wk, W_V=wv, W_Q=wk)
np.savez("huge.npz", W_K=wk.astype(np.float64) * 1e300, W_V=wv)
np.savez("gap.npz", **{"L0.W_K": wk, "L0.W_V": wv, "L2.W_K": wk, "L2.W_V": wv})
np.savez("str.npz", W_K=np.array(["a", "b"]), W_V=wv)
open("trunc.npy", "wb").write(open("L0.W_K.npy", "rb").read()[:-5])
open("junk.safetensors", "wb").write(struct.pack("<Q", 1 << 40) + b"{}")
EOF

run 0 "model id:" model import w.npz --out m_npz --k 5 --beta 4
run 0 "L0.W_K  64 leaves x 8 floats" model import w.safetensors --out m_st
run 0 "model id:" model import L0.W_K.npy L0.W_V.npy params.npz --out m_npy
id() { "$GHOST" model show "$1/model.ghost" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["model_id"])'; }
[[ $(id m_npz) == "$(id m_st)" && $(id m_npz) == "$(id m_npy)" ]] ||
  { echo "FAIL: the three exports of the same weights gave different models"; failures=$((failures + 1)); }

run 0 '"verified":true' model infer m_npz --input x.bin --exact --json
echo "$LAST" | $PY -c '
import json, sys
got, want = json.loads(sys.stdin.read().splitlines()[-1]), json.load(open("expect.json"))
assert got["selected"][0] == want["selected"], (got["selected"], want["selected"])
err = max(abs(a - b) for a, b in zip(got["output"], want["output"]))
assert err < 1e-4, (got["output"], want["output"])
print("imported model answers as NumPy computes: max |diff|", err)' || failures=$((failures + 1))

run 1 "not finite" model import nan.npz --out bad1 --beta 4
run 1 "both need one row per stored pattern" model import rows.npz --out bad2 --beta 4
run 1 "unknown name W_Q" model import typo.npz --out bad3 --beta 4
run 1 "not finite" model import huge.npz --out bad4 --beta 4
run 1 "L1 is missing" model import gap.npz --out bad5 --beta 4
run 1 "unsupported dtype" model import str.npz --out bad6 --beta 4
run 1 "data bytes" model import trunc.npy L0.W_V.npy --out bad7 --beta 4
run 1 "header length past the end" model import junk.safetensors --out bad8 --beta 4
run 1 "beta is not given" model import w.npz --out bad9
run 1 "given twice" model import w.npz w.npz --out bad10 --beta 4
run 1 "already holds a model" model import w.npz --out m_npz --beta 4
for d in bad1 bad2 bad3 bad4 bad5 bad6 bad7 bad8 bad9 bad10; do
  [[ ! -e $d/model.json ]] || { echo "FAIL: a refused import left a model in $d"; failures=$((failures + 1)); }
done
finish cli.model_import
