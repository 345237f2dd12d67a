"""Four validators from one genesis reach height 50 and agree on every block and app hash;
a transfer submitted over RPC is committed with the right balances, nonces and receipt;
/metrics parses with Prometheus' own parser; /subscribe streams new blocks to a WebSocket
client of another stack; SIGTERM stops every node cleanly."""
import asyncio
import json

import websockets
from prometheus_client.parser import text_string_to_metric_families

from ghostnet import Testnet, scenario


def agree(net, upto):
    for h in range(1, upto + 1):
        seen = {(b["hash"], b["app_hash"]) for b in (net.block(i, h) for i in range(4))}
        assert len(seen) == 1, f"nodes disagree at height {h}: {seen}"


async def subscribe_blocks(url, count):
    async with websockets.connect(url, open_timeout=10) as ws:
        await ws.send(json.dumps({"subscribe": ["blocks"]}))
        heights = []
        while len(heights) < count:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if msg.get("topic") == "blocks":
                heights.append(msg["data"]["height"])
        return heights


@scenario
def consensus():
    with Testnet(name="consensus") as net:
        net.start_all()
        net.wait_height(5, timeout=60)

        # A transfer through the client, waiting for its block.
        bob_before, _ = net.balance("bob")
        alice_before, alice_nonce = net.balance("alice")
        _, out, _ = net.ghost("tx", "send", "--from", "alice", "--to", "bob", "--amount", "2.5", "--json", node=1)
        res = json.loads(out)
        assert res["receipt"]["status"] == "OK", res
        fee = int(res["receipt"]["fee_paid"])
        net.wait_height(res["height"], timeout=30)
        for i in range(4):
            bob, _ = net.balance("bob", node=i)
            alice, nonce = net.balance("alice", node=i)
            assert bob == bob_before + 2_500_000, (i, bob, bob_before)
            assert alice == alice_before - 2_500_000 - fee, (i, alice, alice_before, fee)
            assert nonce == alice_nonce + 1, (i, nonce)
        code, tx = net.get(2, f"/txs/{res['tx_id']}")
        assert code == 200 and tx["status"] == "committed" and tx["receipt"]["status"] == "OK", tx

        # New blocks reach a subscriber.
        heights = asyncio.run(subscribe_blocks(net.url(3, "/subscribe").replace("http://", "ws://"), 3))
        assert heights == sorted(heights) and len(set(heights)) == 3, heights

        # /metrics is valid Prometheus text.
        code, text = net.get(0, "/metrics")
        assert code == 200
        names = {f.name for f in text_string_to_metric_families(text)}
        for want in ("ghost_height", "ghost_block_interval_seconds", "ghost_mempool_txs", "ghost_p2p_peers"):
            assert want in names, (want, sorted(names))

        net.wait_height(50, timeout=240)
        agree(net, 50)
        for i in range(4):
            assert net.stop(i) == 0, f"node{i} did not exit 0 on SIGTERM"


if __name__ == "__main__":
    consensus()
