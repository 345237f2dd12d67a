"""`testnet/run --demo`, the README's first command, on the built tree: it creates the testnet,
commits the transfer with the balances that moved and exits 0 with every node stopped; a
second run reuses the testnet; `--reset` starts a new chain; a node that cannot start makes it
fail with the nodes' last log lines, exit non-zero, and leave no node running."""
import os
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
    base = free_port_range(8)
    env = dict(os.environ, GHOST_TESTNET=os.path.join(d, "net"), GHOST_BASE_PORT=str(base),
               GHOST_BUILD_DIR=os.path.relpath(os.path.dirname(os.path.abspath(BIN)), ROOT))
    ghost = [os.path.join(BIN, "ghost"), "testnet"]
    try:
        rc, out = run_script(env, "--demo")
        assert rc == 0, out
        assert "creating a 4-validator testnet" in out and "status  OK" in out, out
        assert "bob    1000025 credits" in out, out
        assert f"http://127.0.0.1:{base + 1}/metrics" in out, out
        assert out.count("stopped node") == 4, out
        genesis = open(os.path.join(d, "net", "genesis.json")).read()

        rc, out = run_script(env, "--demo")  # the same testnet again
        assert rc == 0 and "creating" not in out and "bob    1000025 credits" in out, out
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
        assert st.stdout.count("stopped") == 4, st.stdout

        rc, out = run_script(env, "--bogus")
        assert rc == 1 and "unknown option --bogus" in out, out
    finally:
        subprocess.run(ghost + ["kill", "0", "1", "2", "3", "--dir", env["GHOST_TESTNET"]], capture_output=True, timeout=60)
        shutil.rmtree(d, ignore_errors=True)


main = scenario(testnet_run)
if __name__ == "__main__":
    main()
