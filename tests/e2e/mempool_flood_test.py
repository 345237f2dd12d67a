"""Mempool floods (ghost_load, pre-signed minimum-fee transfers) from one sender and from many
against a node with small blocks and a small mempool: the pool never holds more than its
count and byte limits, the node's memory stays bounded, the flooding sender is held to its
per-sender limit, and a transfer paying a higher fee from another sender still gets into a
block while the pool is full."""
import json
import os
import subprocess
import threading
import time

from ghostnet import BIN, FAST_PARAMS, Testnet, scenario

MAX_TXS, MAX_BYTES, PER_SENDER = 2000, 512 << 10, 200  # ghost_load funds 200 senders at a time
PARAMS = FAST_PARAMS + ("max_block_bytes=16384", "max_tx_bytes=8192")
RSS_LIMIT_MB = 512  # not for a sanitized ghostd: ASan's shadow memory and quarantine count too
SANITIZED = os.environ.get("GHOST_SANITIZED") == "1"


class Watch(threading.Thread):
    """Samples the node's mempool size and peak resident memory until stopped."""
    def __init__(self, net, pid):
        super().__init__(daemon=True)
        self.net, self.pid = net, pid
        self.max_txs = self.max_bytes = self.peak_rss_mb = 0
        self.full_seen = False
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                st = self.net.status(0)
                self.max_txs = max(self.max_txs, st["mempool_txs"])
                self.max_bytes = max(self.max_bytes, st["mempool_bytes"])
                self.full_seen |= st["mempool_txs"] >= MAX_TXS * 0.9 or st["mempool_bytes"] >= MAX_BYTES * 0.9
            except Exception:
                pass
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.peak_rss_mb = int(line.split()[1]) / 1024
            time.sleep(0.05)


def load(net, accounts, rate, duration, seed):
    args = [os.path.join(BIN, "ghost_load"), "--node", net.url(0), "--keyring", os.path.join(net.dir, "keyring"),
            "--accounts", str(accounts), "--rate", str(rate), "--duration", str(duration), "--settle", "0",
            "--sample-every", "0", "--seed", str(seed), "--json"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=240)
    # 2: some accepted txs were not committed, as expected of a flood (they were evicted).
    assert r.returncode in (0, 2), f"ghost_load exited {r.returncode}: {r.stderr} {r.stdout}"
    return json.loads(r.stdout)


def metric(net, name):
    """Sum of the samples of `name` (a metric name with an optional label filter)."""
    code, text = net.get(0, "/metrics")
    return sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith(name))


@scenario
def mempool_flood():
    with Testnet(validators=1, name="mempool-flood", params=PARAMS) as net:
        proc = net.start(0, "--mempool.max_txs", str(MAX_TXS), "--mempool.max_bytes", str(MAX_BYTES),
                         "--mempool.max_per_sender", str(PER_SENDER),
                         "--rpc.requests_per_second", "100000", "--rpc.burst", "100000")
        net.wait_height(2, timeout=60)
        watch = Watch(net, proc.pid)
        watch.start()
        try:
            # One sender: everything past its limit is refused (409), nothing piles up.
            one = load(net, accounts=1, rate=2000, duration=4, seed=1)
            # (past the per-sender window a nonce is "too high"; within it, the count is the limit)
            held = metric(net, 'ghost_mempool_rejected_total{verdict="sender_limit"}') + \
                metric(net, 'ghost_mempool_rejected_total{verdict="nonce_too_high"}')
            assert held >= one["submitted"] / 2, (held, one)
            assert watch.max_txs <= PER_SENDER + 1, watch.max_txs

            # Many senders, far more than a block drains: the pool fills and stays at its limits.
            result = {}
            flood = threading.Thread(target=lambda: result.update(load(net, accounts=300, rate=2500, duration=10, seed=2)))
            flood.start()
            net.wait("the mempool to fill", lambda: watch.full_seen, timeout=60)
            # While it is full, a transfer paying 50x the minimum fee from a sender not in the
            # flood gets in: it evicts the cheapest txs and is reaped first.
            status = net.status(0)
            fee = 50 * (int(status["params"]["base_fee"]) + int(status["params"]["fee_per_byte"]) * 200)
            bob_before = net.balance("bob")[0]
            start = time.monotonic()
            net.ghost("tx", "send", "--from", "carol", "--to", "bob", "--amount", "3",
                      "--fee", f"{fee / 1e6:.6f}", "--timeout", "30", "--json")
            waited = time.monotonic() - start
            assert net.balance("bob")[0] == bob_before + 3_000_000
            flood.join(timeout=240)
            assert result, "the flood did not finish"
            assert metric(net, "ghost_mempool_evicted_total") + metric(net, 'ghost_mempool_rejected_total{verdict="full"}') > 0
        finally:
            watch.done.set()
            watch.join(5)
        assert watch.max_txs <= MAX_TXS and watch.max_bytes <= MAX_BYTES, (watch.max_txs, watch.max_bytes)
        assert SANITIZED or watch.peak_rss_mb <= RSS_LIMIT_MB, f"ghostd peak RSS {watch.peak_rss_mb:.0f} MB"
        h = net.height(0)
        net.wait_height(h + 3, timeout=60)
        assert net.stop(0) == 0, "ghostd did not exit 0 on SIGTERM (a sanitizer report exits non-zero)"
        print(f"pool peak {watch.max_txs} txs / {watch.max_bytes} bytes, ghostd peak RSS {watch.peak_rss_mb:.0f} MB, "
              f"high-fee tx committed in {waited:.1f}s, flood: {json.dumps(result)}")


if __name__ == "__main__":
    mempool_flood()
