"""The client's side of paid jobs on two real validators, with no worker daemon answering:
`ghost model register` rewrites the folder's ghost file with its owner and prints the model id
the chain records; `ghost worker register` and `ghost tx stake --role worker --models A,B`
stake workers that `ghost worker status` shows; `ghost infer` to a worker that never answers
ends in the deadline refund (exit 5): the client gets its escrow back plus the worker's miss
penalty and the worker's miss is counted. Refusals made before paying (no worker, unknown
model, a fee below the price, an input that does not fit) change no balance or nonce.
`ghost proof verify --model` checks a local proof against the chain's roots, and fails (exit
6) when a second node serves other roots (tests/e2e/lying_node.py). The new API routes'
400/404 paths: GET /workers/{address}, /jobs/{id}/result, /models/{id}?version=V."""
import json
import os
import struct

from ghostnet import FAST_PARAMS, Testnet, scenario
from lying_node import LyingNode, flip_last_hex_digit

# Blocks come every ~0.2 s: a deadline of a few blocks must still be ahead when the request lands.
PARAMS = FAST_PARAMS + ("job_deadline_blocks=10",)
EXIT_REJECTED, EXIT_REFUNDED, EXIT_UNVERIFIED = 2, 5, 6


def other_roots(path, doc):
    """What a lying node answers: the last root of every model changed."""
    if path.startswith("/models/"):
        doc["roots"][-1] = flip_last_hex_digit(doc["roots"][-1])
    return doc


def expect(net, rc, text, *args):
    code, out, err = net.ghost(*args, check=False, timeout=120)
    assert code == rc and text in out + err, f"ghost {' '.join(args)} -> {code}, wanted {rc} and {text!r}:\n{out}\n{err}"
    return out


def get(net, path, status):
    code, body = net.get(0, path)
    assert code == status, (path, code, body)
    return body


@scenario
def client_jobs():
    with Testnet(validators=2, params=PARAMS, name="client") as net:
        net.start_all()
        net.wait_height(2)
        folder = os.path.join(net.dir, "syn")
        other = os.path.join(net.dir, "syn2")
        for out, seed in ((folder, "5"), (other, "6")):
            net.ghost("model", "build", "synthetic", "--n", "400", "--d", "16", "--seed", seed, "--out", out,
                      "--threads", "1")
        x = os.path.join(net.dir, "x.bin")
        with open(x, "wb") as f:
            f.write(struct.pack("<16f", *[((i * 7919) % 13 - 6) / 3 for i in range(16)]))
        short = os.path.join(net.dir, "short.bin")
        with open(short, "wb") as f:
            f.write(b"\0" * 10)

        # Register: the folder's ghost file gets alice as owner; the id is the new file's.
        _, out, _ = net.ghost("model", "register", folder, "--from", "alice", "--json")
        model = json.loads(out)["model_id"]
        shown = json.loads(net.ghost("model", "show", folder, "--json")[1])
        assert shown["model_id"] == model, (shown["model_id"], model)
        alice = net.keyring["alice"]["address"]
        chain = get(net, f"/models/{model}", 200)
        assert chain["roots"] == list(shown["roots_hex"].values()) and chain["roots_version"] == 0, chain
        model2 = json.loads(net.ghost("model", "register", other, "--from", "alice", "--json")[1])["model_id"]
        expect(net, EXIT_REJECTED, "MODEL_EXISTS", "model", "register", folder, "--from", "alice")
        before = open(os.path.join(folder, "model.ghost"), "rb").read()
        expect(net, 1, "is owned by " + alice, "model", "register", folder, "--from", "bob")
        assert open(os.path.join(folder, "model.ghost"), "rb").read() == before, "a refused register rewrote the file"
        expect(net, 1, "cannot read the ghost file", "model", "register", x, "--from", "alice")

        # Before any worker: refused before paying.
        untouched = {k: net.balance(k) for k in ("alice", "bob", "carol")}
        expect(net, EXIT_REJECTED, "no worker serves model", "infer", "--model", model, "--input", x, "--from", "alice")
        expect(net, 1, "no model", "infer", "--model", "ab" * 32, "--input", x, "--from", "alice")
        expect(net, 1, "not a model id", "infer", "--model", "abc", "--input", x, "--from", "alice")

        # Workers: bob through `ghost worker register`, carol through `ghost tx stake` on both models.
        expect(net, 1, "not HOST:PORT", "worker", "register", "--model", model, "--stake", "100", "--price", "0.5",
               "--endpoint", "nowhere", "--from", "bob")
        expect(net, 1, "not a model id", "worker", "register", "--model", "xyz", "--stake", "100", "--price", "0.5",
               "--from", "bob")
        assert {k: net.balance(k) for k in ("alice", "bob", "carol")} == untouched, "a refusal changed an account"
        # Stakes above the minimum (100), so a miss penalty leaves both eligible.
        net.ghost("worker", "register", "--model", model, "--stake", "150", "--price", "0.5", "--endpoint",
                  "127.0.0.1:9", "--from", "bob")
        net.ghost("tx", "stake", "--role", "worker", "--amount", "150", "--models", f"{model},{model2}", "--price",
                  "0.25", "--endpoint", "127.0.0.1:10", "--capacity", "1", "--from", "carol")
        bob = json.loads(net.ghost("worker", "status", "bob", "--json")[1])
        assert (bob["bonded"], bob["price"], bob["models_hex"], bob["endpoint"]) == \
            ("150000000", "500000", [model], "127.0.0.1:9"), bob
        assert (bob["open_jobs"], bob["capacity"], bob["pending_pay"], bob["misses"], bob["jailed"]) == \
            (0, 128, 0, "0", False), bob
        carol = json.loads(net.ghost("worker", "status", net.keyring["carol"]["address"], "--json")[1])
        assert sorted(carol["models_hex"]) == sorted([model, model2]) and carol["price"] == "250000", carol
        text = expect(net, 0, "not jailed", "worker", "status")
        assert text.count("pending pay") == 2 and "127.0.0.1:10" in text, text
        expect(net, 1, "is not a worker", "worker", "status", "alice")

        # Refusals before paying, now that workers exist.
        nonce = net.balance("alice")
        expect(net, EXIT_REJECTED, "the cheapest asks 0.25", "infer", "--model", model, "--input", x, "--max-fee", "0.1",
               "--from", "alice")
        expect(net, 1, "does not fit the model's first layer", "infer", "--model", model, "--input", short, "--from", "alice")
        expect(net, 1, "--deadline must be 2 to 10", "infer", "--model", model, "--input", x, "--deadline", "11",
               "--from", "alice")
        expect(net, 1, "--target-class must be below", "train", "--model", model, "--input", x, "--target-class", "99",
               "--from", "alice")
        expect(net, 1, "--lr must be finite", "train", "--model", model, "--input", x, "--target-class", "1", "--lr", "0",
               "--from", "alice")
        assert net.balance("alice") == nonce, "a refused request changed alice's account"
        # The chain's refusal: dave does not own the model (OWNER_ONLY), so may not train it.
        expect(net, EXIT_REJECTED, "NOT_TRAINABLE", "train", "--model", model, "--input", x, "--target-class", "1",
               "--from", "dave")

        # Inference with no worker answering: refunded at the deadline with the miss penalty.
        balance, _ = net.balance("alice")
        code, out, err = net.ghost("infer", "--model", model, "--input", x, "--max-fee", "1", "--deadline", "8",
                                   "--from", "alice", "--json", "--node", net.url(0), "--node", net.url(1), check=False,
                                   timeout=120)
        assert code == EXIT_REFUNDED and "no worker answered by its deadline" in err, (code, out, err)
        job = json.loads(out)
        assert job["status"] == "REFUNDED" and job["refunded"], job
        record = get(net, f"/jobs/{job['job_id']}", 200)
        price, fee = int(record["price"]), job["fee"]["tx_fee"]
        assert record["status"] == "REFUNDED" and price in (500000, 250000), record
        assert net.balance("alice")[0] == balance - fee + price, (balance, net.balance("alice"), fee, price)
        worker = "bob" if price == 500000 else "carol"
        status = json.loads(net.ghost("worker", "status", worker, "--json")[1])
        assert (status["misses"], status["slashed"], status["bonded"]) == ("1", str(price), str(150000000 - price)), status
        assert "has no result (REFUNDED)" in get(net, f"/jobs/{job['job_id']}/result", 404)["error"]["message"]

        # --async: the job id at once; the API shows it open.
        _, out, _ = net.ghost("infer", "--model", model2, "--input", x, "--from", "alice", "--async", "--json")
        pending = json.loads(out)
        assert get(net, f"/jobs/{pending['job_id']}", 200)["status"] in ("ASSIGNED", "REFUNDED"), pending

        # Capacity: carol, model2's only worker, takes 1 job at a time. A request while her job is
        # open waits in the mempool and is assigned once that job closes (at its deadline here).
        def model2_job():
            return json.loads(net.ghost("infer", "--model", model2, "--input", x, "--from", "alice", "--async",
                                        "--json", timeout=120)[1])
        second = model2_job()
        carol = json.loads(net.ghost("worker", "status", "carol", "--json")[1])
        assert (carol["open_jobs"], carol["capacity"]) == (1, 1), carol
        third = model2_job()
        closed = get(net, f"/jobs/{second['job_id']}", 200)
        held = get(net, f"/jobs/{third['job_id']}", 200)
        assert closed["status"] == "REFUNDED" and int(held["requested_height"]) >= int(closed["closed_height"]), \
            (closed, held)

        # A proof made locally on the registered folder checks against the chain's roots, from
        # one node, from two that agree; a node serving other roots makes it fail.
        proof = os.path.join(net.dir, "p.bin")
        net.ghost("model", "infer", folder, "--input", x, "--proof-out", proof, "--exact")
        expect(net, 0, "verified:  ok", "proof", "verify", proof, "--model", model)
        out = expect(net, 0, '"verified":true', "proof", "verify", proof, "--model", model, "--node", net.url(0),
                     "--node", net.url(1), "--json")
        assert json.loads(out)["roots_from"] == "2 nodes that agree", out
        expect(net, EXIT_UNVERIFIED, f"the proof is for model {model}", "proof", "verify", proof, "--model", model2)
        # The same proof naming version 7 (field 2 after the 34 bytes of the model id): no roots to check it by.
        raw = open(proof, "rb").read()
        assert raw[:2] == b"\x0a\x20", raw[:2]
        later = os.path.join(net.dir, "p7.bin")
        open(later, "wb").write(raw[:34] + b"\x10\x07" + raw[34:])
        expect(net, EXIT_UNVERIFIED, "cannot check a proof against version 7", "proof", "verify", later, "--model", model)
        with LyingNode(net.url(1), other_roots) as liar:
            expect(net, EXIT_UNVERIFIED, "serve different roots", "proof", "verify", proof, "--model", model,
                   "--node", net.url(0), "--node", liar.url)
            before = net.balance("alice")
            expect(net, EXIT_UNVERIFIED, "serve different roots", "infer", "--model", model, "--input", x,
                   "--from", "alice", "--node", net.url(0), "--node", liar.url)
            assert net.balance("alice") == before, "a request was paid although the nodes disagree"

        # The routes' refusals.
        get(net, "/models/" + model + "?version=0", 200)
        assert "keeps no version 7" in get(net, f"/models/{model}?version=7", 404)["error"]["message"]
        get(net, f"/models/{model}?version=x", 400)
        get(net, "/workers/gc1nope", 400)
        assert "no worker stake" in get(net, f"/workers/{alice}", 404)["error"]["message"]
        get(net, "/jobs/" + "00" * 32 + "/result", 404)
        get(net, "/jobs/zz/result", 400)
        get(net, f"/jobs/{job['job_id']}/other", 400)
        for cmd in (["infer"], ["train"], ["worker", "register"], ["worker", "status"], ["model", "register"],
                    ["proof", "verify"]):
            expect(net, 0, "Usage:", *cmd, "--help")


if __name__ == "__main__":
    client_jobs()
