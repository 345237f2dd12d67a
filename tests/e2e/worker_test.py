"""The compute worker end to end: a one-validator chain whose genesis registers a small
synthetic model (owned by a client of this test) and stakes a worker, and a second ghostd
started with --worker serving that model's folder. A client signs its own requests (the
test's wire.py, not the node's code). Checked: a paid inference is answered with the output
`ghost model infer` computes locally, accepted, and paid after the challenge window; a kill -9
of the worker while jobs stream in loses none and answers none twice; a training step moves
the model's roots, an inference pinned to the old version meanwhile is still answered, and
the next inference after the step is final uses the new version."""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import time

import wire
from ghostnet import BIN, Testnet, free_port_range, scenario

TX_TAG = "ghostchain/tx/v1"
GC = 1_000_000
PRICE = GC // 2  # the worker's price: far above a result tx's fee, so its pay shows
MODEL = dict(n=64, d=8, d_out=4, k=4)
PARAMS = ("timeout_propose_ms=600", "timeout_prevote_ms=300", "timeout_precommit_ms=300", "timeout_delta_ms=200",
          "timeout_commit_ms=150", "job_deadline_blocks=100", "challenge_blocks=15")


def b64(b):
    return base64.b64encode(b).decode()


def field_float(num, value):
    return wire.varint(num << 3 | 5) + struct.pack("<f", value)


def ghost_file_with_owner(path, owner):
    """The .ghost file's bytes with `owner` set, still in deterministic field order."""
    fields = wire.parse(open(path, "rb").read())
    fields[3] = [owner]
    out = b""
    for num in sorted(fields):
        for v in fields[num]:
            out += wire.field_varint(num, v) if isinstance(v, int) else wire.field_bytes(num, v)
    return out


class Client:
    """A funded key that signs its own txs (docs/protocol.md §2.3, §4)."""

    def __init__(self, net, chain_id):
        self.net, self.chain_id = net, chain_id.encode()
        self.key = wire.Key(hashlib.sha256(b"worker-test-client").digest())
        self.address = hashlib.sha256(self.key.pubkey).digest()[:20]
        self.name = "gc1" + self.address.hex()
        self.nonce = 0

    def send(self, body, fee=20_000):
        env = wire.field_bytes(1, self.chain_id) + wire.field_bytes(2, self.key.pubkey) + \
            wire.field_varint(3, self.nonce) + wire.field_varint(4, fee) + wire.field_bytes(5, body)
        raw = env + wire.field_bytes(6, self.key.sign(wire.signing_hash(TX_TAG, self.chain_id, env)))
        code, reply = self.net.post(0, "/txs?mode=commit&timeout_ms=20000", raw, timeout=30)
        assert code == 200, (code, reply)
        assert reply.get("receipt", {}).get("status", "OK") == "OK", reply
        self.nonce += 1
        return hashlib.sha256(raw).hexdigest()

    def infer(self, model_id, x, max_fee=GC):
        request = wire.field_bytes(1, model_id) + wire.field_bytes(2, x) + wire.field_varint(3, max_fee)
        return self.send(wire.field_bytes(6, request))

    def train(self, model_id, x, target, lr, max_fee=GC):
        request = wire.field_bytes(1, model_id) + wire.field_bytes(2, x) + wire.field_bytes(3, target) + \
            field_float(4, lr) + wire.field_varint(5, max_fee)
        return self.send(wire.field_bytes(8, request))


def floats(*v):
    return struct.pack(f"<{len(v)}f", *v)




def model_info(net, model_id):
    code, m = net.get(0, f"/models/{model_id.hex()}")
    assert code == 200, (code, m)
    return m


def local_output(model_dir, x, tmp):
    """What `ghost model infer` computes from the folder the worker holds (read-only beside it)."""
    path = os.path.join(tmp, "input.bin")
    open(path, "wb").write(x)
    out = subprocess.run([os.path.join(BIN, "ghost"), "model", "infer", model_dir, "--input", path, "--json"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return json.loads(out)["output"]


def metric(net, i, name, text=None):
    """The sum of the samples of `name` (a prefix) in node i's /metrics, or in `text`."""
    if text is None:
        text = net.get(i, "/metrics")[1]
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


def setup(net):
    """The model folder, the worker's home and the genesis that registers and stakes them."""
    tmp = os.path.join(net.dir, "worker-test")
    os.makedirs(tmp)
    model_dir = os.path.join(tmp, "model")
    subprocess.run([os.path.join(BIN, "ghost"), "model", "build", "synthetic", "--out", model_dir, "--seed", "3",
                    "--n", str(MODEL["n"]), "--d", str(MODEL["d"]), "--d-out", str(MODEL["d_out"]),
                    "--k", str(MODEL["k"]), "--threads", "1"], check=True, capture_output=True, timeout=120)
    shutil.copytree(model_dir, model_dir + "-v0")  # the weights as registered, for the catch-up check
    other_dir = os.path.join(tmp, "other")  # weights the chain does not know
    subprocess.run([os.path.join(BIN, "ghost"), "model", "build", "synthetic", "--out", other_dir, "--seed", "4",
                    "--n", str(MODEL["n"]), "--d", str(MODEL["d"]), "--threads", "1"],
                   check=True, capture_output=True, timeout=120)
    chain_id = net.manifest["chain_id"]
    client = Client(net, chain_id)
    owned = os.path.join(tmp, "owned.ghost")
    open(owned, "wb").write(ghost_file_with_owner(os.path.join(model_dir, "model.ghost"), client.address))
    shown = json.loads(subprocess.run([os.path.join(BIN, "ghost"), "model", "show", owned, "--json"], check=True,
                                      capture_output=True, text=True, timeout=60).stdout)
    model_id = bytes.fromhex(shown["model_id"])
    assert model_id == hashlib.sha256(open(owned, "rb").read()).digest(), "model id is not H(ghost file)"

    home = os.path.join(net.dir, "worker")
    base = free_port_range(2)
    node0 = net.nodes[0]
    init = subprocess.run([os.path.join(BIN, "ghostd"), "init", "--home", home, "--chain-id", chain_id,
                           "--genesis", os.path.join(node0["home"], "genesis.json"), "--worker",
                           "--insecure-unencrypted-keys", "--json", "--moniker", "worker",
                           "--p2p.listen", f"127.0.0.1:{base}", "--rpc.listen", f"127.0.0.1:{base + 1}",
                           "--p2p.persistent_peers", f"{node0['node_key']}@{node0['p2p']}",
                           "--worker.model_dirs", model_dir, "--worker.threads", "1"],
                          check=True, capture_output=True, text=True, timeout=60)
    made = json.loads(init.stdout)
    worker_pubkey = bytes.fromhex(made["worker_key"])

    genesis = json.load(open(os.path.join(node0["home"], "genesis.json")))
    genesis.setdefault("accounts", []).extend([
        {"address": b64(client.address), "balance": str(1000 * GC)},
        {"address": b64(hashlib.sha256(worker_pubkey).digest()[:20]), "balance": str(10 * GC)}])
    genesis.setdefault("models", []).append(shown["ghost_file"])
    genesis.setdefault("workers", []).append({"operator_pubkey": b64(worker_pubkey), "stake": str(1000 * GC),
                                              "endpoint": "", "price": str(PRICE), "models": [b64(model_id)]})
    for h in (node0["home"], home):
        json.dump(genesis, open(os.path.join(h, "genesis.json"), "w"))
    net.nodes.append({"name": "worker", "home": home, "rpc": f"http://127.0.0.1:{base + 1}",
                      "address": made["worker_address"]})
    return tmp, model_dir, other_dir, client, model_id, made["worker_address"], len(net.nodes) - 1


@scenario
def worker():
    with Testnet(validators=1, clients=1, name="worker", params=PARAMS) as net:
        tmp, model_dir, other_dir, client, model_id, worker_addr, w = setup(net)
        no_key = subprocess.run([os.path.join(BIN, "ghostd"), "start", "--home", net.nodes[0]["home"], "--worker"],
                                capture_output=True, text=True, timeout=60)
        assert no_key.returncode == 2 and "ghostd init --worker" in no_key.stderr, (no_key.returncode, no_key.stderr)
        net.start(0)

        # --- weights the chain does not know are refused, and with nothing to serve it does not start ---
        p = net.start(w, "--worker", "--worker.model_dirs", other_dir, validator=False)
        assert p.wait(60) == 2, "a worker with no matching model folder must exit 2"
        log = open(net.log_path(w)).read()
        assert "model folder refused" in log and "no version the chain keeps" in log, log[-2000:]
        assert "no model folder matches" in log, log[-2000:]

        net.start(w, "--worker", validator=False)
        net.wait("the worker serving the model", lambda: "serving model" in open(net.log_path(w)).read(), timeout=60)
        net.wait_height(2, nodes=[0, w], timeout=60)

        # --- a paid inference, answered, accepted, paid after the window ---
        x = floats(0.5, -0.25, 1, 0, 0.75, -1, 0.125, 0.3)
        client_before = net.balance(client.name)[0]
        worker_before, _ = net.balance(worker_addr)
        first = client.infer(model_id, x)
        j = net.wait_job(first, ("ANSWERED", "SETTLED"), timeout=60)
        got = list(struct.unpack(f"<{MODEL['d_out']}f", base64.b64decode(j["output"])))
        want = local_output(model_dir, x, tmp)
        assert all(abs(a - b) <= 1e-6 * max(1, abs(b)) for a, b in zip(got, want)), (got, want)
        in_window = net.balance(worker_addr)[0]
        if net.job(first)["status"] == "ANSWERED":  # so the balance above was read inside the window
            assert in_window < worker_before, "the worker was paid before the challenge window closed"
        j = net.wait_job(first, ("SETTLED",), timeout=60)
        worker_after, worker_nonce = net.balance(worker_addr)
        assert worker_nonce == 1, f"one job, {worker_nonce} result txs"
        assert worker_after > worker_before + PRICE // 2, (worker_before, worker_after)
        client_after = net.balance(client.name)[0]
        assert client_before - client_after < GC, "the client paid the whole max_fee, not the price"
        print(f"inference answered and settled: worker +{worker_after - worker_before}, client "
              f"-{client_before - client_after}")

        # --- kill -9 mid-stream: no job lost, none answered twice ---
        stream = []
        for i in range(12):
            stream.append(client.infer(model_id, floats(*[(i + 1) * 0.1 * (-1) ** k for k in range(8)])))
            if i == 5:
                net.kill(w)
        net.start(w, "--worker", validator=False)
        for jid in stream:
            net.wait_job(jid, ("ANSWERED", "SETTLED"), timeout=90)
        _, worker_nonce = net.balance(worker_addr)
        assert worker_nonce == 1 + len(stream), f"{len(stream) + 1} jobs answered with {worker_nonce} result txs"
        print(f"kill -9 mid-stream: {len(stream)} jobs each answered once")

        # --- training moves the roots; the old version is served until the new one is final ---
        before = model_info(net, model_id)
        step = client.train(model_id, x, floats(1, 0, 0, 0), 0.5)
        net.wait_job(step, ("ANSWERED", "SETTLED"), timeout=60)
        pinned_old = client.infer(model_id, x)  # inside the step's window: pins the final version
        moved = model_info(net, model_id)
        assert int(moved["version"]) == int(before["version"]) + 1 and moved["roots"] != before["roots"], moved
        # A folder left behind (here: the registered weights) catches up from the blocks at start,
        # keeping the version the open job pins.
        net.kill(w)
        net.start(w, "--worker", "--worker.model_dirs", model_dir + "-v0", validator=False)
        net.wait("the folder caught up", lambda: "caught up" in open(net.log_path(w)).read(), timeout=60)
        j = net.wait_job(pinned_old, ("ANSWERED", "SETTLED"), timeout=60)
        assert int(j["version"]) == int(before["final_version"]), j
        net.wait_job(step, ("SETTLED",), timeout=90)
        assert int(model_info(net, model_id)["final_version"]) == int(moved["version"])
        after = client.infer(model_id, x)
        j = net.wait_job(after, ("ANSWERED", "SETTLED"), timeout=60)
        assert int(j["version"]) == int(moved["version"]), j
        assert metric(net, w, "ghost_worker_steps_applied_total") >= 1
        print(f"training step: version {before['version']} -> {moved['version']}, next inference on version {j['version']}")

        # The worker's node counts its results when it commits their block, a moment after node0.
        accepted = net.wait("the worker counting its accepted answers since the restart", lambda: (
            a := metric(net, w, 'ghost_worker_jobs_total{kind="inference",outcome="accepted"}')) >= 1 and a, timeout=30)
        code, text = net.get(w, "/metrics")
        assert metric(net, w, "ghost_worker_answer_seconds_count", text) == \
            metric(net, w, 'ghost_worker_jobs_total{kind="inference",outcome="accepted"}', text), text
        assert "ghost_worker_queue_depth 0" in text, "queue depth missing or not back to 0"
        print(f"metrics: {accepted:.0f} inference answers accepted since the restart")


if __name__ == "__main__":
    worker()
