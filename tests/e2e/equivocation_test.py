"""A validator in the test-only equivocation mode (refused unless the genesis allows test
modes) signs conflicting votes; the others turn them into evidence, an Evidence tx lands in
a block, and the ledger slashes and jails it."""
import base64
import os
import subprocess

from ghostnet import BIN, Testnet, scenario


@scenario
def equivocation():
    with Testnet(name="nomodes") as plain:
        r = subprocess.run([os.path.join(BIN, "ghostd"), "start", "--home", plain.nodes[0]["home"], "--validator",
                            "--consensus.test_equivocate", "true"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and "does not allow test modes" in r.stderr, r.stderr

    with Testnet(name="equivocation", test_modes=True) as net:
        for i in range(3):
            net.start(i)
        net.start(3, "--consensus.test_equivocate", "true")
        key = net.nodes[3]["validator_key"]

        def jailed():
            code, v = net.get(0, "/validators")
            for s in v["stakes"]:
                if s.get("jailed") and int(s.get("slashed", 0)) > 0:
                    return s
            return None
        stake = net.wait("the equivocating validator slashed and jailed", jailed, timeout=120)
        assert base64.b64decode(stake["consensus_pubkey"]).hex() == key, stake
        code, v = net.get(0, "/validators")
        for s in v["stakes"]:
            if base64.b64decode(s["consensus_pubkey"]).hex() != key:
                assert not s["jailed"] and int(s["slashed"]) == 0, f"an honest validator was punished: {s}"
        net.wait("the jailed validator out of the set",
                 lambda: key not in [x["key"] for x in net.get(0, "/validators")[1]["validators"]], timeout=30)
        # The chain goes on without it (three of four hold more than 2/3).
        h = net.height(0)
        net.wait_height(h + 3, nodes=[0, 1, 2], timeout=60)


if __name__ == "__main__":
    equivocation()
