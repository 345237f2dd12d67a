"""A tx taken while its node has no peer still reaches the chain: a full node (no validator
key) admits a transfer while the only validator is down, and once the validator is up and
the two connect, the full node sends it every pending tx and the transfer is committed. Gossip
alone reaches only the peers connected at admission, so without that the transfer, and every
later nonce of its sender, would wait forever."""
import json
import os
import subprocess

from ghostnet import BIN, Testnet, free_port_range, scenario


@scenario
def relay():
    with Testnet(validators=1, clients=1, name="relay") as net:
        node0 = net.nodes[0]
        home = os.path.join(net.dir, "full")
        base = free_port_range(2)
        subprocess.run([os.path.join(BIN, "ghostd"), "init", "--home", home, "--chain-id", net.manifest["chain_id"],
                        "--genesis", os.path.join(node0["home"], "genesis.json"), "--insecure-unencrypted-keys",
                        "--moniker", "full", "--p2p.listen", f"127.0.0.1:{base}", "--rpc.listen", f"127.0.0.1:{base + 1}",
                        "--p2p.persistent_peers", f"{node0['node_key']}@{node0['p2p']}"],
                       check=True, capture_output=True, timeout=60)
        net.nodes.append({"name": "full", "home": home, "rpc": f"http://127.0.0.1:{base + 1}"})
        full = len(net.nodes) - 1
        net.start(full, validator=False)
        net.wait("the full node's API", lambda: net.height(full) >= 0)
        name = next(iter(net.keyring))
        # Alone: the transfer is checked and pending there, with no peer to send it to.
        net.ghost("tx", "send", "--from", name, "--to", name, "--amount", "1", "--async", node=full)
        net.wait("the transfer pending at the full node", lambda: net.status(full)["mempool_txs"] == 1)
        assert net.status(full)["peers"] == 0 and net.balance(name, node=full)[1] == 0
        net.start(0)
        net.wait("the pending transfer committed", lambda: net.balance(name)[1] == 1, timeout=60)
        print(f"taken alone at the full node, committed at height {net.height(0)} once the validator connected")


if __name__ == "__main__":
    relay()
