"""Load shedding at intake: a node that may check only a few txs at once (mempool.max_checking)
answers a flood of transfers with 503 "busy" for the excess instead of queueing them in front
of its block checks, counts them in ghost_txs_shed_total, and keeps committing blocks and
answering its API while the flood lasts."""
import json
import os
import subprocess
import threading
import time

from ghostnet import BIN, Testnet, scenario


@scenario
def intake():
    with Testnet(validators=1, clients=1, name="intake") as net:
        net.start(0, "--mempool.max_checking", "4", "--rpc.requests_per_second", "1000000", "--rpc.burst", "1000000")
        net.wait_height(2)
        heights, slowest = [], [0.0]
        done = threading.Event()

        def watch():  # the API answers and the chain moves during the flood
            while not done.is_set():
                t = time.monotonic()
                heights.append(net.height(0))
                slowest[0] = max(slowest[0], time.monotonic() - t)
                time.sleep(0.2)

        w = threading.Thread(target=watch, daemon=True)
        w.start()
        args = [os.path.join(BIN, "ghost_load"), "--node", net.url(0), "--keyring", os.path.join(net.dir, "keyring"),
                "--accounts", "200", "--rate", "20000", "--duration", "3", "--connections", "32", "--settle", "0",
                "--sample-every", "0", "--json"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=240)
        done.set()
        w.join(10)
        assert r.returncode in (0, 2), f"ghost_load exited {r.returncode}: {r.stderr} {r.stdout}"
        result = json.loads(r.stdout)
        statuses = result["statuses"]
        busy = int(statuses.get("503", 0))
        assert busy > 0, f"no tx was shed: {statuses}"
        assert int(statuses.get("202", 0)) + int(statuses.get("200", 0)) > 0, f"nothing was taken: {statuses}"
        code, text = net.get(0, "/metrics")
        shed = sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith('ghost_txs_shed_total{source="client"}'))
        assert shed >= busy, (shed, busy)
        assert heights and heights[-1] > heights[0], f"no block during the flood: {heights}"
        assert slowest[0] < 5, f"/status took {slowest[0]:.1f} s during the flood"
        print(f"shed {busy} of {result['submitted']} submitted; heights {heights[0]}..{heights[-1]}; slowest /status {slowest[0]:.2f} s")


if __name__ == "__main__":
    intake()
