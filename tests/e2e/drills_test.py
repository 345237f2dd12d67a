"""The operator's fault drills through `ghost testnet ...` on four real nodes: start, status,
pause/resume, isolate/rejoin, kill and start again, restart, stop. Each drill must do what it
says to the process and to the network (a paused or isolated node falls behind, the others
go on, and it catches up once back), and the unhappy paths give a clear error and exit 1."""
import json
import os

from ghostnet import Testnet, scenario


def drills():
    with Testnet(name="drills") as net:
        def ghost(*args, check=True):
            return net.ghost("testnet", *args, "--dir", net.dir, check=check, timeout=90)

        def status():
            _, out, _ = ghost("status", "--json")
            return {n["name"]: n for n in json.loads(out)["nodes"]}

        def peers(name):
            return status()[name]["peers"]

        rc, out, _ = ghost("start")
        assert all(f"started node{i}" in out for i in range(4)), out
        st = status()
        assert all(n["state"] == "running" and n["pid"] for n in st.values()), st
        assert ghost("start")[1] == "", "a second start must leave running nodes alone"
        net.wait_height(3)

        # pause: node3 is frozen and falls behind; the other three go on; resume: it catches up.
        ghost("pause", "node3")
        assert status()["node3"]["state"] == "paused"
        h = net.height(0)
        net.wait_height(h + 3, nodes=[0, 1, 2])
        ghost("resume", "3")
        assert status()["node3"]["state"] == "running"
        net.wait("node3 to catch up after resume", lambda: net.height(3) >= net.height(0) - 1, timeout=60)

        # isolate: node2 drops every peer and stays alone; rejoin: it reconnects and catches up.
        ghost("isolate", "node2")
        net.wait("node2 to have no peers", lambda: peers("node2") == 0, timeout=30)
        stuck = net.height(2)
        net.wait_height(stuck + 3, nodes=[0, 1, 3])
        assert net.height(2) <= stuck + 1, "an isolated node went on committing"
        assert peers("node2") == 0, "an isolated node took a peer back"
        ghost("rejoin", "node2")
        net.wait("node2 to reconnect", lambda: peers("node2") == 3, timeout=60)
        net.wait("node2 to catch up after rejoin", lambda: net.height(2) >= net.height(0) - 1, timeout=60)

        # kill, then start: the crash drill; restart: a clean stop and a new process.
        old = status()["node1"]["pid"]
        ghost("kill", "node1")
        assert status()["node1"]["state"] == "stopped"
        assert "node1 is not running" in ghost("pause", "node1")[1]
        ghost("start", "node1")
        assert status()["node1"]["pid"] not in (None, old)
        old = status()["node0"]["pid"]
        ghost("restart", "node0")
        assert status()["node0"]["pid"] not in (None, old)
        net.wait("every node to be within a block", lambda: min(net.height(i) for i in range(4)) >= max(net.height(i) for i in range(4)) - 1, timeout=60)

        # Unhappy paths: an unknown node, a folder with no testnet, a drill without its node.
        rc, _, err = ghost("pause", "node9", check=False)
        assert rc == 1 and "no node node9" in err, (rc, err)
        rc, _, err = net.ghost("testnet", "status", "--dir", os.path.join(net.dir, "nope"), check=False)
        assert rc == 1 and "no testnet in" in err and "ghost testnet init" in err, (rc, err)
        rc, _, err = ghost("kill", check=False)
        assert rc == 1 and "NODE is required" in err, (rc, err)

        # stop: every node exits cleanly (its log's last word is the clean stop).
        ghost("stop")
        assert all(n["state"] == "stopped" for n in status().values())
        for i in range(4):
            with open(net.log_path(i)) as f:
                last = f.read().splitlines()[-1]
            assert "stopped" in last, f"node{i} did not stop cleanly: {last}"
        print("drills ok at heights", [n["height"] for n in status().values()])


main = scenario(drills)
if __name__ == "__main__":
    main()
