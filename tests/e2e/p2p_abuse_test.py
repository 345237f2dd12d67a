"""Peers that misbehave are cut off and the chain does not notice: a test peer written in
Python (tests/e2e/wire.py, an independent implementation of the handshake) completes the
handshake, then sends garbage, a text frame, an oversize frame, a vote with a bad signature
or a flood (node 0 allows fewer messages a second than the others); each connection is
closed, each key is refused when it comes back, and the validators keep committing. A hello
for another chain is refused before the proof."""
import asyncio
import os

import websockets

from ghostnet import Testnet, scenario
from wire import (ENV_HANDSHAKE, ENV_VOTE, HANDSHAKE_TAG, Key, envelope, field_bytes, handshake, parse,
                  signed_vote, signing_hash, varint, vote)

TIMEOUT = 10


class Peer:
    def __init__(self, net, node=0, key=None, chain=None):
        self.net, self.node = net, node
        self.key = key or Key()
        st = net.status(node)
        self.chain = (chain or st["chain_id"]).encode()
        self.genesis = bytes.fromhex(st["genesis_hash"])
        self.ws = None

    async def connect(self):
        """Runs the handshake; True when the node sent its proof (we are a peer)."""
        addr = self.net.nodes[self.node]["p2p"]
        self.ws = await websockets.connect(f"ws://{addr}/", max_size=None, open_timeout=TIMEOUT, ping_interval=None)
        nonce = os.urandom(32)
        await self.ws.send(envelope(ENV_HANDSHAKE, handshake(chain_id=self.chain, genesis_hash=self.genesis,
                                                             pubkey=self.key.pubkey, nonce=nonce)))
        their_nonce = None
        try:
            while True:
                msg = parse(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
                if ENV_HANDSHAKE not in msg:
                    continue
                hs = parse(msg[ENV_HANDSHAKE][0])
                if 3 in hs:  # their hello: answer with our proof
                    their_nonce = hs[3][0]
                    sig = self.key.sign(signing_hash(HANDSHAKE_TAG, self.chain, their_nonce + self.genesis + self.key.pubkey))
                    await self.ws.send(envelope(ENV_HANDSHAKE, handshake(signature=sig)))
                elif 4 in hs:  # their proof
                    return their_nonce is not None
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            return False

    async def closed(self, within=TIMEOUT):
        """True when the node closes the connection within `within` seconds (reading what it sends)."""
        async def drain():
            while True:
                await self.ws.recv()
        try:
            await asyncio.wait_for(drain(), within)
        except websockets.ConnectionClosed:
            return True
        except asyncio.TimeoutError:
            return False


def metric(net, node, name):
    code, text = net.get(node, "/metrics")
    return sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith(name) and not l.startswith("#"))


async def misbehave(net, send):
    """A fresh peer handshakes, runs `send`, must be cut off, and must be refused when back."""
    p = Peer(net)
    assert await p.connect(), "a well-behaved handshake was refused"
    try:
        await send(p)
    except websockets.ConnectionClosed:
        pass  # cut off while still sending
    assert await p.closed(), "the node kept a misbehaving peer"
    again = Peer(net, key=p.key)
    assert not await again.connect(), "a banned key was accepted again"


async def abuse(net):
    honest = Peer(net)
    assert await honest.connect(), "the Python peer's handshake was refused"
    assert not await honest.closed(within=3), "an honest peer was dropped"

    await misbehave(net, lambda p: p.ws.send(os.urandom(300)))
    await misbehave(net, lambda p: p.ws.send("text frames are not envelopes"))
    await misbehave(net, lambda p: p.ws.send(b"\x00" * (17 << 20)))

    async def bad_vote(p):
        # Votes for the height in progress are checked on arrival (a later height's validator
        # set is not known yet); blocks are fast here, so aim at the next few heights a few times.
        v = bytes.fromhex(net.get(0, "/validators")[1]["validators"][0]["key"])
        for _ in range(20):
            h = net.height(0)
            for target in (h + 1, h + 2):
                await p.ws.send(envelope(ENV_VOTE, signed_vote(vote(1, target, 0, b"\x11" * 32, v), os.urandom(64))))
            await asyncio.sleep(0.05)
    await misbehave(net, bad_vote)

    async def flood(p):
        # Node 0 allows 1,000 messages a second (2 s in reserve); send far more, until cut off.
        for i in range(60000):
            await p.ws.send(field_bytes(9, b"\x08" + varint(1 + i % 100)))
    await misbehave(net, flood)

    wrong = Peer(net, chain="another-chain")
    assert not await wrong.connect(), "a hello for another chain got a proof"


@scenario
def p2p_abuse():
    with Testnet(name="p2p-abuse") as net:
        for i in range(len(net.nodes)):
            net.start(i, *(["--p2p.max_messages_per_second", "1000"] if i == 0 else []))
        net.wait_height(3, timeout=60)
        bans_before = metric(net, 0, "ghost_p2p_bans_total")
        h = net.height(0)
        asyncio.run(abuse(net))
        assert metric(net, 0, "ghost_p2p_bans_total") >= bans_before + 5
        assert metric(net, 0, "ghost_p2p_peers") >= 3, "the validators lost each other"
        net.wait_height(h + 5, timeout=60)


if __name__ == "__main__":
    p2p_abuse()
