"""`testnet/run --demo`, the README's first command, on the built tree: it builds the
fashion-mnist model, creates a testnet of 4 validators and 2 workers, commits the transfer, pays
a worker for an inference whose proof it checks, shows the balances that moved (summing to
zero) and exits 0 with every node stopped; a
second run reuses the testnet; `--reset` starts a new chain; a node that cannot start makes it
fail with the nodes' last log lines, exit non-zero, and leave no node running."""
import os
import re
import shutil
import socket
import subprocess
import tempfile

from ghostnet import BIN, free_port_range, scenario

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run_script(env, *args):
    r = subprocess.run([os.path.join(ROOT, "testnet", "run"), *args], env=env, capture_output=True, text=True,
                       timeout=300)
    return r.returncode, r.stdout + r.stderr


def testnet_run():
    d = tempfile.mkdtemp(prefix="ghost-testnet-run-")
    base = free_port_range(12)
    env = dict(os.environ, GHOST_TESTNET=os.path.join(d, "net"), GHOST_BASE_PORT=str(base),
               GHOST_MODEL=os.path.join(d, "fashion-mnist"),
               GHOST_BUILD_DIR=os.path.relpath(os.path.dirname(os.path.abspath(BIN)), ROOT))
    ghost = [os.path.join(BIN, "ghost"), "testnet"]
    try:
        rc, out = run_script(env, "--demo")
        assert rc == 0, out
        assert "building the fashion-mnist model" in out, out
        assert "creating a testnet of 4 validators and 2 workers" in out and "status  OK" in out, out
        assert "bob    1000025 credits" in out, out
        assert "answer:    Ankle boot (class 9)" in out and "proof:     verified here" in out, out
        moved = [float(x) for x in re.findall(r"([+-][0-9.]+) credits", out.split("balances that moved:")[1].split("proof kept")[0])]
        assert len(moved) == 4, out
        assert abs(sum(moved)) < 1e-6 and moved[0] < -2 and max(moved[1:3]) > 1, moved  # credits only move
        assert f"http://127.0.0.1:{base + 1}/metrics" in out, out
        assert out.count("stopped node") == 4 and out.count("stopped worker") == 2, out
        genesis = open(os.path.join(d, "net", "genesis.json")).read()

        rc, out = run_script(env, "--demo")  # the same testnet again
        assert rc == 0 and "creating" not in out and "building" not in out and "bob    1000025 credits" in out, out
        assert open(os.path.join(d, "net", "genesis.json")).read() == genesis

        rc, out = run_script(env, "--demo", "--reset")
        assert rc == 0 and "removing the old testnet" in out and "creating" in out, out

        # node0's RPC port taken: node0 cannot start, the run fails and cleans up.
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", base + 1))
            s.listen()
            rc, out = run_script(env, "--demo")
        assert rc != 0, out
        assert "node0 exited at start" in out and "the last lines of each node's log" in out.lower(), out
        st = subprocess.run(ghost + ["status", "--dir", env["GHOST_TESTNET"]], capture_output=True, text=True, timeout=30)
        assert st.stdout.count("stopped") == 6, st.stdout

        rc, out = run_script(env, "--bogus")
        assert rc == 1 and "unknown option --bogus" in out, out
    finally:
        subprocess.run(ghost + ["kill", "0", "1", "2", "3", "worker0", "worker1", "--dir", env["GHOST_TESTNET"]],
                       capture_output=True, timeout=60)
        shutil.rmtree(d, ignore_errors=True)


main = scenario(testnet_run)
if __name__ == "__main__":
    main()
