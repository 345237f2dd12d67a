"""A rollback committed while a worker was down (docs/decisions.md: "The worker keeps the final
version beside the current one"; docs/protocol.md §4.7.10). As in training_rollback, one
validator spot-checks every answer and two workers serve the model, one started with
--worker.cheat degraded_step. alice asks for training steps one at a time until the chain
assigns one to the cheater. The honest worker applies every accepted step to its folder, the
cheater's too: the test freezes its node (SIGSTOP) as soon as its log says it applied that step,
lets the validator's challenge commit the rollback, kills it (SIGKILL) and starts it again:
once at once (its node then learns of the rollback while syncing, with the version it returns
to never kept by this process), once after its node alone synced past the rollback (the folder
is then no version the chain keeps when the worker opens it). Checked each time: it starts, its
folder holds the rolled-back version (the discarded step undone from the committed blocks, no
new copy of the model), and it answers the next training step from it, which the chain
accepts. A freeze that came too late (the worker had already rolled back) is retried with the
next step."""
import json
import os
import re
import signal
import struct
import tempfile
import time

from ghostnet import scenario
from misbehaving_worker_test import GC, MAX_FEE, MODEL
from training_rollback_test import honest_step, model_info, rollback_testnet, start_validator

APPLIED = "applied a training step"
ROLLED_BACK = "rolled back to the version a proven fraud returned to"
TRIES = 20  # each step lands on either worker with odds 1/2 (the cheater's slashed stake lowers its own)


class LogTail:
    """The lines a node's log gained since the last read."""

    def __init__(self, path):
        self.path, self.offset = path, os.path.getsize(path)

    def lines(self):
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            text = f.read()
        end = text.rfind("\n") + 1  # a line being written waits for the next read
        self.offset += len(text[:end].encode())
        return text[:end].splitlines()


@scenario
def training_rollback_restart():
    with tempfile.TemporaryDirectory(prefix="ghost-rollback-restart-") as tmp:
        with rollback_testnet(tmp, "rollback-restart") as net:
            run(net, tmp)


def run(net, tmp):
    model, cheat_w, honest_w, cheater, honest = start_validator(net)
    honest_args = ("--worker", "--worker.threads", "1")

    def start_worker(w, *args):
        tail = LogTail(net.log_path(w)) if os.path.exists(net.log_path(w)) else None
        proc = net.start(w, *args, validator=False)
        tail = tail or LogTail(net.log_path(w))
        seen = []

        def serving():
            seen.extend(tail.lines())
            assert proc.poll() is None, "a worker exited:\n" + "\n".join(seen[-30:])
            return any("serving model" in line for line in seen)
        net.wait(f"worker node{w} serving", serving, timeout=60)
        return seen

    start_worker(cheat_w, "--worker", "--worker.cheat", "degraded_step", "--worker.threads", "1")
    start_worker(honest_w, *honest_args)

    x = os.path.join(tmp, "input.bin")
    open(x, "wb").write(struct.pack(f"<{MODEL['d']}f", *(0.1 * (i + 1) * (-1) ** i for i in range(MODEL["d"]))))

    def train(cls):
        _, out, _ = net.ghost("train", "--target-class", str(cls), "--lr", "0.5", "--model", model, "--input", x,
                              "--max-fee", str(MAX_FEE / GC), "--from", "alice", "--async", "--json")
        return json.loads(out)["job_id"]

    def freeze_on_cheaters_step():
        """A step assigned to the cheater, applied by the honest worker, frozen before the
        rollback; the version the chain returned to."""
        for attempt in range(TRIES):
            v = int(model_info(net, model)["version"])
            tail = LogTail(net.log_path(honest_w))
            step = train(attempt % 4)
            job = net.wait_job(step, ("ASSIGNED", "ANSWERED", "REFUNDED"), timeout=30)
            if job["worker_address"] != cheater:
                net.wait_job(step, ("ANSWERED", "SETTLED"), timeout=30)
                continue
            seen = []

            def applied():
                seen.extend(tail.lines())
                return any(APPLIED in line and re.search(rf"\bversion={v + 1}\b", line) for line in seen)
            net.wait(f"the honest worker applying the cheater's step from version {v}", applied, timeout=30,
                     step=0.005)
            net.signal(honest_w, signal.SIGSTOP)
            late = any(ROLLED_BACK in line for line in seen + tail.lines())
            a = net.wait_job(step, ("CHALLENGED", "SETTLED"), timeout=60)
            assert a["status"] == "CHALLENGED" and int(a["version"]) == v, f"the degraded step was not proven: {a}"
            if not late:
                back = model_info(net, model)
                assert int(back["version"]) == v, f"not rolled back to {v}: {back}"
                print(f"the cheater's step from version {v}, applied by the honest worker, which was then frozen; "
                      f"challenged at height {a['closed_height']}, the model is back at version {v}")
                return v
            print(f"try {attempt + 1}: the honest worker rolled back before it was frozen; again")
            net.signal(honest_w, signal.SIGCONT)
        raise AssertionError(f"no cheater's step applied and frozen before its rollback in {TRIES} steps")

    def answer_next(v):
        """The next training step the honest worker gets is answered from version v and accepted."""
        _, attempt = honest_step(net, train, honest, v, TRIES)
        assert net.running(honest_w) and net.running(cheat_w), "a worker exited"
        print(f"the restarted worker answered a training step from version {v} (try {attempt + 1}), accepted")

    def serving_line(seen):
        return next(line for line in seen if "serving model" in line).split(": ", 1)[-1]

    # 1. Killed while frozen (its folder at the discarded version v + 1) and started again: its
    # node is behind, so the folder matches at start and the rollback arrives as the node syncs,
    # with the version it returns to never kept by this process.
    v = freeze_on_cheaters_step()
    net.kill(honest_w)
    t0 = time.monotonic()
    seen = start_worker(honest_w, *honest_args)
    print("restarted: " + serving_line(seen))
    tail = LogTail(net.log_path(honest_w))

    def at_version():
        seen.extend(tail.lines())
        assert not any("model folder refused" in line or "cannot roll back" in line for line in seen), \
            "\n".join(seen[-30:])
        serving = [line for line in seen if "serving model" in line or ROLLED_BACK in line]
        return serving and re.search(rf"\bversion={v}\b", serving[-1]) and serving[-1]
    line = net.wait(f"the restarted worker at version {v}", at_version, timeout=30)
    print(f"at version {v} {time.monotonic() - t0:.1f}s after the restart: {line.split(': ', 1)[-1]}")
    answer_next(v)

    # 2. The same, but its node syncs past the rollback before the worker starts: the folder is
    # no version the chain keeps at start, and is undone from the blocks before it is served.
    v = freeze_on_cheaters_step()
    net.kill(honest_w)
    net.start(honest_w, validator=False)  # the node alone, no worker
    top = net.height(0)
    net.wait(f"node{honest_w} synced to height {top}", lambda: net.height(honest_w) >= top, timeout=30)
    assert net.stop(honest_w) == 0
    seen = start_worker(honest_w, *honest_args)
    line = serving_line(seen)
    assert re.search(rf"\bversion={v}\b", line), f"not served at version {v}: {line}"
    print("restarted after the rollback: " + line)
    answer_next(v)

if __name__ == "__main__":
    training_rollback_restart()
