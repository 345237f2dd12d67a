"""Every misbehaving worker mode ends as the protocol says (docs/protocol.md §6.3, §4.7.7,
§4.7.10, §4.9). One validator spot-checks every answer (spot_check_rate_ppm = 100%) with the
folder of a small synthetic model that `ghost testnet init --workers 1 --test-modes` registers
in genesis and stakes a worker for; the worker ghostd is restarted with one `--worker.cheat`
mode at a time and alice asks for one inference per mode:

- wrong_output, foreign_column, stale_version: the result is refused on execution (its
  receipt code), the deadline refunds alice her escrow plus the miss penalty from the stake;
- silence: no result, the same refund;
- degraded_topk: the result is accepted, the validator's spot-checker challenges it and wins:
  the worker's stake pays fault_penalty_prices x the price, half to the validator (its bond
  back), the rest and the escrow to alice; the validator's metrics count the check and the win.

After each mode the supply invariant holds: balances + stakes + escrows + the reward pool =
genesis + minted - burned. A chain without test_modes refuses --worker.cheat (exit 2), an
unknown mode is a configuration error (exit 1) naming the modes, and `ghost testnet init`
refuses a --worker-stake below min_stake_worker (exit 1, nothing written)."""
import json
import os
import random
import struct
import subprocess
import tempfile

from ghostnet import BIN, FAST_PARAMS, Testnet, scenario

GC = 1_000_000
PRICE, MAX_FEE = 2 * GC, 3 * GC  # ghost testnet init's default worker price
STAKE = 300 * GC  # --worker-stake: above the default (100 prices), covers the fault's 40 prices
# No epoch payout during the test (it would move the validator's balance); every answer sampled.
PARAMS = FAST_PARAMS + ("job_deadline_blocks=8", "challenge_blocks=12", "spot_check_rate_ppm=1000000",
                        "epoch_blocks=1000000")
MODEL = dict(n=64, d=8, d_out=4, k=4)
REFUSED = {"wrong_output": "BAD_PROOF", "foreign_column": "BAD_PROOF", "stale_version": "VERSION_MISMATCH"}


def metric(net, i, name, labels=""):
    """The sum of a metric's samples whose labels contain `labels`."""
    code, text = net.get(i, "/metrics")
    assert code == 200, (code, text)
    total = 0.0
    for line in text.splitlines():
        key, _, value = line.rpartition(" ")
        if key == name or (key.startswith(name + "{") and labels in key):
            total += float(value)
    return total



def receipts_between(net, low, high):
    """The receipt status of every tx in blocks low..high."""
    out = []
    for h in range(low, high + 1):
        for t in net.block(0, h)["txs"]:
            out.append(t.get("receipt", {}).get("status", "OK"))
    return out


def stake_total(s):
    return int(s.get("bonded", 0)) + sum(int(u.get("amount", 0)) for u in s.get("unbonding", []))


def build_model(model_dir, seed):
    """The small synthetic MODEL, built into model_dir."""
    subprocess.run([os.path.join(BIN, "ghost"), "model", "build", "synthetic", "--out", model_dir, "--seed", str(seed),
                    "--n", str(MODEL["n"]), "--d", str(MODEL["d"]), "--d-out", str(MODEL["d_out"]),
                    "--k", str(MODEL["k"]), "--threads", "1"], check=True, capture_output=True, timeout=120)


def supply_holds(net, addresses, open_jobs=()):
    """Everything held equals genesis + minted - burned, read at one height (retried if it moves)."""
    for _ in range(20):
        h = net.height(0)
        supply = net.get(0, "/supply")[1]
        held = sum(net.balance(a)[0] for a in addresses)
        held += sum(stake_total(s) for s in net.get(0, "/validators")[1]["stakes"])
        held += sum(stake_total(s) for s in net.get(0, "/workers")[1]["workers"])
        held += sum(int(j["max_fee"]) for j in map(lambda i: net.job(i), open_jobs)
                    if j["status"] in ("ASSIGNED", "ANSWERED"))
        held += int(supply.get("reward_pool", 0))
        want = int(supply.get("genesis", 0)) + int(supply.get("minted", 0)) - int(supply.get("burned", 0))
        if net.height(0) == h:
            assert held == want, f"supply broken at height {h}: held {held}, genesis + minted - burned {want}"
            return want
    raise AssertionError("the chain moved under every supply reading")


def refusals(model_dir, tmp):
    """--worker.cheat on a chain without test_modes exits 2; an unknown mode exits 1; a worker
    stake below min_stake_worker is refused by testnet init."""
    out = os.path.join(tmp, "low-stake")
    r = subprocess.run([os.path.join(BIN, "ghost"), "testnet", "init", "--workers", "1", "--model", model_dir,
                        "--worker-stake", str(GC), "--out", out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "stake below min_stake_worker" in r.stderr, (r.returncode, r.stderr)
    assert not os.path.exists(os.path.join(out, "genesis.json")), "a refused init wrote a genesis"
    with Testnet(validators=1, clients=1, name="cheat-refused") as net:
        ghostd = os.path.join(BIN, "ghostd")
        home = net.nodes[0]["home"]
        r = subprocess.run([ghostd, "start", "--home", home, "--worker", "--worker.model_dirs", model_dir,
                            "--worker.cheat", "silence"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "does not allow test modes" in r.stderr, (r.returncode, r.stderr)
        r = subprocess.run([ghostd, "start", "--home", home, "--worker", "--worker.cheat", "lazy"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "degraded_topk" in r.stderr, (r.returncode, r.stderr)


@scenario
def misbehaving_worker():
    with tempfile.TemporaryDirectory(prefix="ghost-cheat-model-") as tmp:
        model_dir = os.path.join(tmp, "model")
        build_model(model_dir, seed=7)
        refusals(model_dir, tmp)
        with Testnet(validators=1, clients=1, name="cheat", test_modes=True, params=PARAMS,
                     init_args=("--workers", "1", "--model", model_dir, "--worker-stake", str(STAKE))) as net:
            run_modes(net, tmp)


def run_modes(net, tmp):
    model = net.manifest["model"]["id"]
    w = next(i for i, n in enumerate(net.nodes) if n["role"] == "worker")
    worker_addr = net.nodes[w]["worker_address"]
    validator_addr = net.nodes[0]["validator_address"]
    addresses = [validator_addr, worker_addr, net.keyring["alice"]["address"]]
    net.start(0)  # testnet init gave the validator the model folder to spot-check with
    net.wait_height(2, nodes=[0])
    assert int(net.get(0, f"/workers/{worker_addr}")[1]["bonded"]) == STAKE, "the --worker-stake in genesis"
    supply_holds(net, addresses)
    log = net.log_path(w)
    rng = random.Random(5)

    def ask():
        """alice's inference request; its job id once it is in a block."""
        path = os.path.join(tmp, "input.bin")
        open(path, "wb").write(struct.pack(f"<{MODEL['d']}f", *(rng.uniform(-1, 1) for _ in range(MODEL["d"]))))
        _, out, _ = net.ghost("infer", "--model", model, "--input", path, "--max-fee", str(MAX_FEE / GC),
                              "--from", "alice", "--async", "--json")
        return json.loads(out)["job_id"]

    def request_fee(job_id):
        return int(json.loads(net.ghost("query", "tx", job_id, "--json")[1])["receipt"]["fee_paid"])

    for mode in ("wrong_output", "foreign_column", "stale_version", "silence", "degraded_topk"):
        served_before = open(log).read().count("serving model") if os.path.exists(log) else 0
        worker = net.start(w, "--worker", "--worker.cheat", mode, "--worker.threads", "1", validator=False)

        def serving():
            assert worker.poll() is None, "the worker exited: " + open(log).read()[-1500:]
            return open(log).read().count("serving model") > served_before
        net.wait(f"the worker serving in mode {mode}", serving, timeout=120)
        assert "TEST MODE" in open(log).read(), "the cheat is not logged"

        alice0 = net.balance("alice")[0]
        stake0 = int(net.get(0, f"/workers/{worker_addr}")[1]["bonded"])
        jid = ask()
        fee = request_fee(jid)
        if mode == "degraded_topk":
            won0 = metric(net, 0, "ghost_challenges_total", 'outcome="won"')
            validator0 = net.balance(validator_addr)[0]
            j = net.wait("the spot-checker's challenge", lambda: (j := net.job(jid))["status"] == "CHALLENGED" and j,
                         timeout=90)
            slashed = int(j["slashed"])
            assert slashed == 40 * PRICE, j  # fault_penalty_prices x the price
            reward = slashed // 2             # challenger_reward_ppm = 0.5
            assert net.balance("alice")[0] == alice0 - fee + slashed - reward, "alice: escrow back plus the penalty's rest"
            net.wait("the challenge counted as won", lambda: metric(net, 0, "ghost_challenges_total", 'outcome="won"') == won0 + 1,
                     timeout=30)
            assert metric(net, 0, "ghost_spot_faults_found_total") == 1
            assert metric(net, 0, "ghost_spot_checks_total") == 1  # the only accepted answer
            assert metric(net, 0, "ghost_challenges_total", 'outcome="lost"') == 0
            challenges = [t for h in range(int(j["answered_height"]), int(j["closed_height"]) + 1)
                          for t in net.block(0, h)["txs"] if "challenge" in t["tx"].get("body", {})]
            assert len(challenges) == 1 and challenges[0]["tx"]["sender_address"] == validator_addr, challenges
            assert challenges[0].get("receipt", {}).get("status", "OK") == "OK", challenges
            challenge_fee = int(challenges[0]["receipt"]["fee_paid"])
            assert net.balance(validator_addr)[0] == validator0 + reward - challenge_fee, "the challenger's pay, bond back"
            assert int(net.get(0, f"/workers/{worker_addr}")[1]["bonded"]) == stake0 - slashed
            print(f"degraded_topk: challenged by the validator, worker -{slashed}, validator +{reward} "
                  f"(less a {challenge_fee} fee), alice refunded with {slashed - reward}")
        else:
            j = net.wait(f"job of mode {mode} refunded", lambda: (j := net.job(jid))["status"] == "REFUNDED" and j,
                         timeout=90)
            codes = receipts_between(net, int(j["requested_height"]), int(j["closed_height"]))
            if mode in REFUSED:
                assert REFUSED[mode] in codes, (mode, codes)
            else:
                assert codes == ["OK"], (mode, codes)  # the request alone: silence sends nothing
            assert net.balance("alice")[0] == alice0 - fee + PRICE, "escrow back plus the miss penalty (the price)"
            assert int(net.get(0, f"/workers/{worker_addr}")[1]["bonded"]) == stake0 - PRICE
            print(f"{mode}: {'refused ' + REFUSED[mode] if mode in REFUSED else 'no answer'}, refunded at the deadline")
        assert net.stop(w) == 0
        supply_holds(net, addresses, [jid])
    print("supply invariant held after every mode")


if __name__ == "__main__":
    misbehaving_worker()
