"""A proven fraud in a training step rolls the model back (docs/decisions.md: "Training versions
are final after their window"; docs/protocol.md §4.7.10). One validator spot-checks every
answer (spot_check_rate_ppm = 100%); two workers serve the model, one started with
--worker.cheat degraded_step (training answered from a forward pass of the worst columns,
inference honestly). alice (the model's owner, allowed to train it) asks for training steps
in pairs, A and B in one block, B built on A, until the chain assigns A to the cheater (it
picks at random among the model's workers; honest pairs just move the version on). The
spot-checker checks an answer one block after it, so B is answered before A's challenge lands.
Checked: A is CHALLENGED by the validator, the model's current version returns to A's start,
B is ROLLED_BACK and alice gets both escrows back; the honest worker, never restarted, then
answers a training step from the rolled-back version and it settles; the supply invariant
holds after each phase."""
import base64
import json
import os
import struct
import tempfile

from ghostnet import Testnet, scenario
from misbehaving_worker_test import GC, MAX_FEE, MODEL, PARAMS, build_model, supply_holds

STAKE = 2000 * GC  # each proven fault costs 40 prices (80 GC); the retries may prove several
TRIES = 10         # each pair or step lands on the cheater with odds 1/2: 2^-10 to flake


def model_info(net, model):
    code, m = net.get(0, f"/models/{model}")
    assert code == 200, (code, m)
    return m



def rollback_testnet(tmp, name):
    """One validator and two staked workers (not started) on a model built in tmp."""
    model_dir = os.path.join(tmp, "model")
    build_model(model_dir, seed=11)
    # Short windows (an honest job settles within seconds); a cheater proven several times is not jailed.
    params = tuple(p for p in PARAMS if not p.startswith("challenge_blocks")) + ("challenge_blocks=6",
                                                                                "max_faults_per_window=0")
    return Testnet(validators=1, clients=1, name=name, test_modes=True, params=params,
                   init_args=("--workers", "2", "--model", model_dir, "--worker-stake", str(STAKE)))


def honest_step(net, train, honest, v, tries, opened=None):
    """Training steps until the honest worker answers one, from version v and accepted (a step the
    cheater gets is proven and rolled back in turn); returns that step and the try it took."""
    for attempt in range(tries):
        step = train(3)
        if opened is not None:
            opened.append(step)
        j = net.wait_job(step, ("ANSWERED", "REFUNDED"), timeout=60)
        assert j["status"] == "ANSWERED" and int(j["version"]) == v, f"a step after the rollback, not from {v}: {j}"
        if j["worker_address"] == honest:
            return step, attempt
        net.wait_job(step, ("CHALLENGED",), timeout=90)
    raise AssertionError(f"the chain never assigned a step to the honest worker in {tries} tries")


@scenario
def training_rollback():
    with tempfile.TemporaryDirectory(prefix="ghost-rollback-model-") as tmp:
        with rollback_testnet(tmp, "rollback") as net:
            run(net, tmp)


def start_validator(net):
    """Starts the validator; the model id and the workers' node indices and addresses."""
    cheat_w, honest_w = [i for i, n in enumerate(net.nodes) if n["role"] == "worker"]
    net.start(0)
    net.wait_height(2, nodes=[0])
    return (net.manifest["model"]["id"], cheat_w, honest_w, net.nodes[cheat_w]["worker_address"],
            net.nodes[honest_w]["worker_address"])


def run(net, tmp):
    model, cheat_w, honest_w, cheater, honest = start_validator(net)
    addresses = [net.nodes[0]["validator_address"], cheater, honest, net.keyring["alice"]["address"]]
    workers = {w: net.start(w, "--worker", *extra, "--worker.threads", "1", validator=False)
               for w, extra in ((cheat_w, ("--worker.cheat", "degraded_step")), (honest_w, ()))}
    for w, proc in workers.items():
        log = net.log_path(w)

        def serving():
            assert proc.poll() is None, "a worker exited: " + open(log).read()[-1500:]
            return os.path.exists(log) and "serving model" in open(log).read()
        net.wait(f"worker node{w} serving", serving, timeout=120)

    x = os.path.join(tmp, "input.bin")
    open(x, "wb").write(struct.pack(f"<{MODEL['d']}f", *(0.1 * (i + 1) * (-1) ** i for i in range(MODEL["d"]))))

    def request(*args):
        _, out, _ = net.ghost(*args, "--model", model, "--input", x, "--max-fee", str(MAX_FEE / GC), "--from", "alice",
                              "--async", "--json")
        return json.loads(out)["job_id"]

    def train(cls):
        return request("train", "--target-class", str(cls), "--lr", "0.5")

    def fee_paid(job_id):
        return int(json.loads(net.ghost("query", "tx", job_id, "--json")[1])["receipt"]["fee_paid"])

    opened = []
    for attempt in range(TRIES):
        start = model_info(net, model)
        v = int(start["version"])
        alice0 = net.balance("alice")[0]
        step_a, step_b = train(attempt % 4), train((attempt + 1) % 4)
        opened += [step_a, step_b]
        b = net.wait_job(step_b, ("ANSWERED", "ROLLED_BACK", "CHALLENGED", "REFUNDED"), timeout=90)
        a = net.job(step_a)
        if a["worker_address"] == cheater:
            break
        # A honest: B (cheater's or not) ends answered, challenged or settled; the next pair starts from there.
        final = ("SETTLED", "CHALLENGED", "REFUNDED", "ROLLED_BACK")
        net.wait_job(step_a, final, timeout=90), net.wait_job(step_b, final, timeout=90)
    else:
        raise AssertionError(f"the chain never assigned a pair's first step to the cheater in {TRIES} pairs")
    assert b["status"] == "ANSWERED" and int(b["version"]) == v + 1, f"step B not answered on A's version: {b}"
    a = net.wait_job(step_a, ("CHALLENGED", "SETTLED"), timeout=90)
    assert a["status"] == "CHALLENGED" and int(a["version"]) == v, f"the degraded step was not proven: {a}"
    assert "gc1" + base64.b64decode(a["challenger"]).hex() == addresses[0], f"not the validator's challenge: {a}"
    b = net.job(step_b)
    assert b["status"] == "ROLLED_BACK" and b["closed_height"] == a["closed_height"], b
    slashed = int(a["slashed"])
    # Both escrows back, plus the penalty's rest (the challenger keeps half); only the tx fees spent.
    want = alice0 - fee_paid(step_a) - fee_paid(step_b) + slashed - slashed // 2
    assert net.balance("alice")[0] == want, f"alice: {net.balance('alice')[0]}, want {want}"
    back = model_info(net, model)
    assert int(back["version"]) == v and back["roots"] == start["roots"], f"not rolled back to {v}: {back}"
    print(f"pair {attempt + 1}: step A (version {v}) challenged, cheater -{slashed}; step B (version {v + 1}, "
          f"{'honest' if b['worker_address'] == honest else 'cheating'} worker) ROLLED_BACK, alice refunded; "
          f"model back at version {back['version']}")
    supply_holds(net, addresses, opened)

    # The honest worker, never restarted, trains from the rolled-back version.
    step, attempt = honest_step(net, train, honest, v, TRIES, opened)
    j = net.wait_job(step, ("SETTLED", "CHALLENGED"), timeout=90)
    assert j["status"] == "SETTLED", j
    assert int(model_info(net, model)["final_version"]) == v + 1
    assert all(p.poll() is None for p in workers.values()), "a worker exited"
    print(f"honest training step from version {v} settled after {attempt + 1} tries, workers never restarted")
    supply_holds(net, addresses, opened)
    print("supply invariant held")


if __name__ == "__main__":
    training_rollback()
