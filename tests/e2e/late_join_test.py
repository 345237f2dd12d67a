"""A validator started more than 100 blocks late syncs the chain from its peers, then takes
part: its precommits appear in the commits of later blocks."""
from ghostnet import Testnet, scenario


@scenario
def late_join():
    with Testnet(name="late", params=("timeout_propose_ms=600", "timeout_commit_ms=10")) as net:
        for i in range(3):
            net.start(i)
        net.wait_height(105, nodes=[0, 1, 2], timeout=400)
        net.start(3)
        top = net.height(0)
        net.wait_height(top, nodes=[3], timeout=120)
        key = net.nodes[3]["validator_key"]
        code, m = net.get(3, "/metrics")
        assert "ghost_blocks_synced_total" in m
        synced = [l for l in m.splitlines() if l.startswith("ghost_blocks_synced_total")]
        assert synced and float(synced[0].split()[-1]) >= 90, synced

        def signed_by_late_node():
            h = net.height(0)
            import base64
            votes = net.block(0, h)["last_commit"]["precommits"]
            keys = {base64.b64decode(v["vote"]["validator"]).hex() for v in votes}
            return key in keys
        net.wait("the late node's precommits in a commit", signed_by_late_node, timeout=60)


if __name__ == "__main__":
    late_join()
