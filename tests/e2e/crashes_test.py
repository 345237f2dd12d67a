"""kill -9 of one of four validators: the others keep committing, and the restarted one
catches up. kill -9 of two: no new height (safety: no quorum), and the chain resumes when one
returns. One validator killed -9 twenty times at random moments under load always comes back
on the same chain, and no evidence against any honest validator ever appears."""
import json
import random
import threading
import time

from ghostnet import Testnet, scenario


def load(net, stop):
    """Transfers from every client, one at a time each, until stopped."""
    def client(name, node):
        while not stop.is_set():
            net.ghost("tx", "send", "--from", name, "--to", "dave", "--amount", "0.001", "--timeout", "20",
                      node=node, check=False, timeout=40)
    threads = [threading.Thread(target=client, args=(n, i), daemon=True) for i, n in enumerate(["alice", "bob", "carol"])]
    for t in threads:
        t.start()
    return threads


def no_evidence(net, upto):
    for h in range(1, upto + 1):
        for tx in net.block(0, h)["txs"]:
            assert "evidence" not in json.dumps(tx["tx"].get("body", {})), f"evidence at height {h}: {tx}"
    code, v = net.get(0, "/validators")
    for s in v["stakes"]:
        assert not s["jailed"] and int(s["slashed"]) == 0, s


def same_chain(net, nodes, upto):
    for h in range(1, upto + 1):
        assert len({net.block(i, h)["hash"] for i in nodes}) == 1, f"fork at height {h}"


@scenario
def crashes():
    rng = random.Random(7)
    with Testnet(name="crashes") as net:
        net.start_all()
        net.wait_height(3, timeout=60)

        net.kill(3)
        h = net.height(0)
        net.wait_height(h + 5, nodes=[0, 1, 2], timeout=60)
        net.start(3)
        net.wait_height(net.height(0), nodes=[3], timeout=60)

        net.kill(2)
        net.kill(3)
        time.sleep(1)  # let the last height in flight finish
        stuck = max(net.height(i) for i in (0, 1))
        time.sleep(5)
        assert max(net.height(i) for i in (0, 1)) <= stuck + 1, "two of four down, yet the chain moved on"
        net.start(2)
        net.wait_height(stuck + 3, nodes=[0, 1, 2], timeout=90)
        net.start(3)

        stop = threading.Event()
        threads = load(net, stop)
        try:
            for k in range(20):
                time.sleep(rng.uniform(0.2, 2.5))
                net.kill(1)
                net.start(1)
                net.wait(f"node1 back after kill {k + 1}", lambda: net.height(1) >= 0, timeout=30)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        top = net.height(0) + 2
        net.wait_height(top, timeout=120)
        same_chain(net, range(4), top)
        no_evidence(net, top)


if __name__ == "__main__":
    crashes()
