"""A proven fraud in a training step rolls the model back (docs/decisions.md: "Training versions
are final after their window"; docs/protocol.md §4.7.10). One validator spot-checks every
answer (spot_check_rate_ppm = 100%); the only worker is started with --worker.cheat
degraded_step (training answered from a forward pass of the worst columns, inference
honestly). alice (the model's owner, allowed to train it) asks for two training steps back to
back: step A from version v, step B built on A. The spot-checker checks an answer one block
after it, so B is answered before A's challenge lands. Checked: A is CHALLENGED by the
validator, the model's current version returns to v, B is ROLLED_BACK and alice gets its
escrow back; the same worker process then answers an inference on the rolled-back version and
it settles (no restart); the supply invariant holds."""
import json
import os
import struct
import subprocess
import tempfile

from ghostnet import BIN, Testnet, scenario
from misbehaving_worker_test import GC, MAX_FEE, MODEL, PARAMS, STAKE, job, supply_holds


def model_info(net, model):
    code, m = net.get(0, f"/models/{model}")
    assert code == 200, (code, m)
    return m


def status_in(net, job_id, statuses, timeout=90):
    return net.wait(f"job {job_id[:12]} {statuses}", lambda: (j := job(net, job_id))["status"] in statuses and j,
                    timeout=timeout)


@scenario
def training_rollback():
    with tempfile.TemporaryDirectory(prefix="ghost-rollback-model-") as tmp:
        model_dir = os.path.join(tmp, "model")
        subprocess.run([os.path.join(BIN, "ghost"), "model", "build", "synthetic", "--out", model_dir, "--seed", "11",
                        "--n", str(MODEL["n"]), "--d", str(MODEL["d"]), "--d-out", str(MODEL["d_out"]),
                        "--k", str(MODEL["k"]), "--threads", "1"], check=True, capture_output=True, timeout=120)
        # Short windows: an honest job settles within seconds.
        params = tuple(p for p in PARAMS if not p.startswith("challenge_blocks")) + ("challenge_blocks=6",)
        with Testnet(validators=1, clients=1, name="rollback", test_modes=True, params=params,
                     init_args=("--workers", "1", "--model", model_dir, "--worker-stake", str(STAKE))) as net:
            run(net, tmp)


def run(net, tmp):
    model = net.manifest["model"]["id"]
    w = next(i for i, n in enumerate(net.nodes) if n["role"] == "worker")
    worker_addr = net.nodes[w]["worker_address"]
    validator_addr = net.nodes[0]["validator_address"]
    addresses = [validator_addr, worker_addr, net.keyring["alice"]["address"]]
    net.start(0)
    net.wait_height(2, nodes=[0])
    log = net.log_path(w)
    worker = net.start(w, "--worker", "--worker.cheat", "degraded_step", "--worker.threads", "1", validator=False)

    def serving():
        assert worker.poll() is None, "the worker exited: " + open(log).read()[-1500:]
        return os.path.exists(log) and "serving model" in open(log).read()
    net.wait("the worker serving", serving, timeout=120)

    x = os.path.join(tmp, "input.bin")
    open(x, "wb").write(struct.pack(f"<{MODEL['d']}f", *(0.1 * (i + 1) * (-1) ** i for i in range(MODEL["d"]))))

    def request(*args):
        _, out, _ = net.ghost(*args, "--model", model, "--input", x, "--max-fee", str(MAX_FEE / GC), "--from", "alice",
                              "--async", "--json")
        return json.loads(out)["job_id"]

    def fee_paid(job_id):
        return int(json.loads(net.ghost("query", "tx", job_id, "--json")[1])["receipt"]["fee_paid"])

    start = model_info(net, model)
    v = int(start["version"])
    alice0 = net.balance("alice")[0]
    step_a = request("train", "--target-class", "1", "--lr", "0.5")
    step_b = request("train", "--target-class", "2", "--lr", "0.5")
    b = status_in(net, step_b, ("ANSWERED", "ROLLED_BACK", "CHALLENGED", "REFUNDED"))
    assert b["status"] == "ANSWERED" and int(b["version"]) == v + 1, f"step B not answered on A's version: {b}"
    a = status_in(net, step_a, ("CHALLENGED", "SETTLED"))
    assert a["status"] == "CHALLENGED" and int(a["version"]) == v, f"the degraded step was not proven: {a}"
    b = job(net, step_b)
    assert b["status"] == "ROLLED_BACK" and b["closed_height"] == a["closed_height"], b
    slashed = int(a["slashed"])
    # Both escrows back, plus the penalty's rest (the challenger keeps half); only the tx fees spent.
    want = alice0 - fee_paid(step_a) - fee_paid(step_b) + slashed - slashed // 2
    assert net.balance("alice")[0] == want, f"alice: {net.balance('alice')[0]}, want {want}"
    back = model_info(net, model)
    assert int(back["version"]) == v and back["roots"] == start["roots"], f"not rolled back to {v}: {back}"
    print(f"step A (version {v}) challenged, worker -{slashed}; step B (version {v + 1}) ROLLED_BACK, "
          f"alice refunded; model back at version {back['version']}")
    supply_holds(net, addresses, [step_a, step_b])

    # The same worker process serves the rolled-back model.
    infer = request("infer")
    fee = fee_paid(infer)
    j = status_in(net, infer, ("SETTLED", "REFUNDED", "CHALLENGED"), timeout=60)
    assert j["status"] == "SETTLED" and int(j["version"]) == v, f"inference after the rollback: {j}"
    assert worker.poll() is None, "the worker restarted or exited"
    print(f"inference after the rollback settled on version {j['version']} (fee {fee}), worker never restarted")
    supply_holds(net, addresses, [step_a, step_b, infer])
    print("supply invariant held")


if __name__ == "__main__":
    training_rollback()
