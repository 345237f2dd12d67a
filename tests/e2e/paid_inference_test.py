"""Paid inference end to end through the `ghost` client only: a validator and a worker ghostd
(`ghostd start --worker`) serving a small fashion-mnist folder; alice registers the folder
(`ghost model register`), the worker's key is funded and staked (`ghost worker register`).
`ghost infer --async` escrows the max fee; `ghost infer` reads the roots from both nodes,
checks the worker's proof here, and answers what the local `ghost model infer` on the same
folder answers (class name included); `ghost worker status` shows the pay pending, then the
job served; after the challenge window the worker is paid the price less the protocol's share
and the client got the rest of the escrow back. A node that serves a tampered proof for the
job makes `ghost infer` exit 6 although the chain accepted the answer. `ghost train` moves
the model to version 1 with roots it checked and the chain records."""
import json
import os
import subprocess

from ghostnet import BIN, FAST_PARAMS, Testnet, free_port_range, scenario
from lying_node import LyingNode, flip_last_hex_digit

GC = 1_000_000
PRICE, MAX_FEE, SHARE_PPM = GC // 2, 2 * GC, 100_000  # protocol_fee_share_ppm's default
# A challenge window of 20 fast blocks (~4 s): long enough to see the first job answered, not settled.
PARAMS = FAST_PARAMS + ("challenge_blocks=20", "job_deadline_blocks=30")
EXIT_UNVERIFIED = 6


def tampered_proof(path, doc):
    """A node lying about a job's result: one hex digit of the proof changed."""
    if path.startswith("/jobs/") and path.endswith("/result"):
        cut = len(doc["proof"]) // 2
        doc["proof"] = flip_last_hex_digit(doc["proof"][:cut]) + doc["proof"][cut:]
    return doc


def add_worker(net, folder):
    """A worker ghostd's home beside node0, in the testnet's list of nodes (not started)."""
    home = os.path.join(net.dir, "worker")
    base = free_port_range(2)
    node0 = net.nodes[0]
    made = json.loads(subprocess.run(
        [os.path.join(BIN, "ghostd"), "init", "--home", home, "--chain-id", net.manifest["chain_id"],
         "--genesis", os.path.join(node0["home"], "genesis.json"), "--worker", "--insecure-unencrypted-keys", "--json",
         "--moniker", "worker", "--p2p.listen", f"127.0.0.1:{base}", "--rpc.listen", f"127.0.0.1:{base + 1}",
         "--p2p.persistent_peers", f"{node0['node_key']}@{node0['p2p']}", "--worker.model_dirs", folder,
         "--worker.threads", "1"], check=True, capture_output=True, text=True, timeout=60).stdout)
    net.nodes.append({"name": "worker", "home": home, "rpc": f"http://127.0.0.1:{base + 1}"})
    return len(net.nodes) - 1, made["worker_address"], os.path.join(home, "keys", "worker_key.json")



@scenario
def paid_inference():
    with Testnet(validators=1, clients=2, name="paid", params=PARAMS) as net:
        folder = os.path.join(net.dir, "fashion")
        net.ghost("model", "build", "fashion-mnist", "--n", "2000", "--out", folder, "--threads", "1", timeout=300)
        w, worker_addr, worker_key = add_worker(net, folder)
        net.start(0)
        net.wait_height(2, nodes=[0])

        model = json.loads(net.ghost("model", "register", folder, "--from", "alice", "--json")[1])["model_id"]
        net.ghost("tx", "send", "--from", "bob", "--to", worker_addr, "--amount", "200")
        net.ghost("worker", "register", "--model", model, "--stake", "150", "--price", "0.5", "--from", worker_key)
        # The worker checks its stake in its own state at start: it syncs as a plain node first.
        net.start(w, validator=False)
        net.wait_height(net.height(0), nodes=[w], timeout=60)
        assert net.stop(w) == 0
        worker = net.start(w, "--worker", validator=False)

        def serving():
            assert worker.poll() is None, "the worker exited: " + open(net.log_path(w)).read()[-1500:]
            return "serving model" in open(net.log_path(w)).read()
        net.wait("the worker serving the model", serving, timeout=120)

        # --async: the max fee is escrowed at once (the job settles only after the window).
        alice0, worker0 = net.balance("alice")[0], net.balance(worker_addr)[0]
        _, out, _ = net.ghost("infer", "--model", model, "--fashion-test", "0", "--max-fee", "2", "--from", "alice",
                              "--async", "--json")
        first = json.loads(out)["job_id"]
        _, out, _ = net.ghost("query", "tx", first, "--json")
        tx_fee = int(json.loads(out)["receipt"]["fee_paid"])
        j = net.wait("the first job answered", lambda: net.job(first)["status"] == "ANSWERED" and net.job(first),
                     timeout=60)
        assert net.balance("alice")[0] == alice0 - tx_fee - MAX_FEE, "the max fee is not held in escrow"
        status = json.loads(net.ghost("worker", "status", worker_addr, "--json")[1])
        pay = PRICE - PRICE * SHARE_PPM // 1_000_000
        assert (status["answered_jobs"], status["pending_pay"]) == (1, pay), status

        # The paid answer, checked here against roots both nodes agree on, equals the local pass.
        proof = os.path.join(net.dir, "proof.bin")
        _, out, _ = net.ghost("infer", "--model", model, "--fashion-test", "0", "--max-fee", "2", "--from", "alice",
                              "--json", "--proof-out", proof, "--node", net.url(0), "--node", net.url(w), timeout=120)
        paid = json.loads(out)
        local = json.loads(net.ghost("model", "infer", folder, "--fashion-test", "0", "--json")[1])
        assert paid["proof"]["verified"] and paid["proof"]["nodes"] == [net.url(0), net.url(w)], paid
        assert paid["output"] == local["output"] and paid["argmax"] == local["argmax"], (paid, local)
        assert paid["class"] == "Ankle boot" and paid["label"] == 9 and local["argmax"] == 9, paid
        assert paid["fee"]["price"] == PRICE and paid["fee"]["max_fee"] == MAX_FEE, paid
        text = net.ghost("proof", "verify", proof, "--model", model)[1]
        assert "answer:    Ankle boot (class 9)" in text and "verified:  ok" in text, text

        # After the window: the worker paid the price less the share for each job, less the fees
        # of its result txs; the client got back what its escrows held above the price.
        for jid in (first, paid["job_id"]):
            net.wait(f"job {jid[:12]} settled", lambda: net.job(jid)["status"] == "SETTLED", timeout=60)
        assert net.balance("alice")[0] == alice0 - tx_fee - paid["fee"]["tx_fee"] - 2 * PRICE, "the client's balance"
        result_fees = 0
        for jid in (first, paid["job_id"]):
            result_tx = net.get(0, f"/jobs/{jid}/result")[1]["tx_id"]
            result_fees += int(net.get(0, f"/txs/{result_tx}")[1]["receipt"]["fee_paid"])
        worker_now = net.balance(worker_addr)[0]
        assert worker_now == worker0 + 2 * pay - result_fees, (worker0, worker_now, pay, result_fees)
        status = json.loads(net.ghost("worker", "status", worker_addr, "--json")[1])
        assert (status["served"], status["pending_pay"], status["misses"]) == ("2", 0, "0"), status
        print(f"paid inference: class {paid['class']}, worker +{worker_now - worker0} (2 x {pay} less "
              f"{result_fees} in result tx fees), client -{alice0 - net.balance('alice')[0]}")

        # A node serving a tampered proof: the chain accepted the answer, the client refuses it.
        with LyingNode(net.url(0), tampered_proof) as liar:
            code, out, err = net.ghost("infer", "--model", model, "--fashion-test", "1", "--from", "alice",
                                       "--node", liar.url, check=False, timeout=120)
        assert code == EXIT_UNVERIFIED and "does not verify here" in err and "FAILED here" in out, (code, out, err)

        # Training: alice owns the model; the new version's roots are checked and recorded.
        before = net.get(0, f"/models/{model}")[1]
        _, out, _ = net.ghost("train", "--model", model, "--fashion-test", "2", "--target-class", "2", "--from", "alice",
                              "--json", timeout=120)
        step = json.loads(out)
        after = net.get(0, f"/models/{model}")[1]
        assert step["proof"]["verified"] and step["new_version"] == int(before["version"]) + 1 == int(after["version"])
        assert list(step["new_roots"].values()) == after["roots"] != before["roots"], (step, after)
        print(f"training step: version {before['version']} -> {after['version']}")


if __name__ == "__main__":
    paid_inference()
