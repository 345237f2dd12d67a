"""What an operator of a single ghostd expects: --help documents every setting; a second
ghostd on the same home, a genesis of another chain or one that does not match the stored
state, a corrupt config or key each give a one-line error, a non-zero exit, and change
nothing; SIGTERM exits 0 and a restart continues from the same height; JSON logs are one
object per line with a line per height."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from ghostnet import BIN, http, scenario

GHOSTD = os.path.join(BIN, "ghostd")


def run(*args, timeout=30):
    return subprocess.run([GHOSTD, *args], capture_output=True, text=True, timeout=timeout)


def tree(path):
    """Every file under path with its size and mtime: 'nothing written' means this is unchanged."""
    out = {}
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            st = os.stat(p)
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


class Daemon:
    def __init__(self, home, *extra):
        self.log = open(os.path.join(home, "..", os.path.basename(home) + ".log"), "ab")
        self.p = subprocess.Popen([GHOSTD, "start", "--home", home, "--validator", *extra],
                                  stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, timeout=20):
        os.killpg(self.p.pid, signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        finally:
            self.kill()

    def kill(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait(10)


def init(home, chain, port):
    r = run("init", "--home", home, "--chain-id", chain, "--insecure-unencrypted-keys",
            "--p2p.listen", f"127.0.0.1:{port}", "--rpc.listen", f"127.0.0.1:{port + 1}")
    assert r.returncode == 0, r.stderr


def height(port):
    try:
        code, body = http("GET", f"http://127.0.0.1:{port + 1}/status", timeout=3)
        return body["height"] if code == 200 else -1
    except OSError:
        return -1


def wait_for(what, cond, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def refused(home, expect_code, expect_text, *extra):
    before = tree(home)
    r = run("start", "--home", home, "--validator", *extra)
    assert r.returncode == expect_code, (r.returncode, r.stderr)
    # Log lines (the unencrypted-key warning) may come first; the error is the one last line.
    errors = [l for l in r.stderr.strip().splitlines() if not l[:4].isdigit()]
    assert len(errors) == 1 and errors[0].startswith("ghostd: "), f"not one error line: {r.stderr!r}"
    assert expect_text in errors[0], r.stderr
    after = tree(home)
    changed = {p for p in before if p in after and before[p] != after[p] and not p.endswith("ghostd.lock")}
    assert not changed and set(before) == set(after), f"a refused start wrote {changed or set(after) ^ set(before)}"


@scenario
def lifecycle():
    from ghostnet import free_port_range
    d = tempfile.mkdtemp(prefix="ghost-life-")
    daemons = []
    try:
        help_text = run("start", "--help").stdout
        for flag in ("--p2p.listen", "--p2p.persistent_peers", "--rpc.listen", "--rpc.max_body_bytes",
                     "--mempool.max_txs", "--log.format", "--keys.passphrase_file"):
            assert flag in help_text, flag
        assert "Exit codes" in run("--help").stdout

        port = free_port_range(4)
        a = os.path.join(d, "a")
        init(a, "life-a", port)
        r = run("init", "--home", a, "--chain-id", "life-a", "--insecure-unencrypted-keys")
        assert r.returncode == 2 and "already exists" in r.stderr, r.stderr

        daemons.append(Daemon(a, "--log.format", "json"))
        wait_for("blocks", lambda: height(port) >= 3)
        refused(a, 2, "another ghostd is running")
        assert daemons[0].stop() == 0
        with open(os.path.join(d, "a.log")) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        assert any(l["msg"] == "committed block" and "height" in l for l in lines), lines[-5:]
        assert any(l["msg"] == "stopped" for l in lines)
        last = max(l["height"] for l in lines if l["msg"] == "committed block")

        # Restart without loss: the chain goes on from where it stopped.
        daemons.append(Daemon(a))
        wait_for("restart", lambda: height(port) > last)
        assert daemons[-1].stop() == 0

        # Refusals that change nothing.
        b = os.path.join(d, "b")
        init(b, "life-b", port + 2)
        genesis_a = open(os.path.join(a, "genesis.json")).read()
        shutil.copy(os.path.join(b, "genesis.json"), os.path.join(a, "genesis.json"))
        refused(a, 2, "another chain")
        g = json.loads(genesis_a)
        g["params"]["base_fee"] = str(int(g["params"]["base_fee"]) + 1)
        open(os.path.join(a, "genesis.json"), "w").write(json.dumps(g))
        refused(a, 2, "another genesis")
        open(os.path.join(a, "genesis.json"), "w").write(genesis_a)

        cfg = os.path.join(a, "config.toml")
        good_cfg = open(cfg).read()
        open(cfg, "w").write(good_cfg + "\n[[broken")
        refused(a, 1, "not valid TOML")
        open(cfg, "w").write(good_cfg.replace("[p2p]", "[p2p]\nbogus = 1", 1))
        refused(a, 1, "unknown setting")
        open(cfg, "w").write(good_cfg)
        refused(a, 1, "must be debug", "--log.level", "loud")

        key = os.path.join(a, "keys", "node_key.json")
        good_key = open(key).read()
        open(key, "w").write(good_key[: len(good_key) // 2])
        refused(a, 2, "node key")
        open(key, "w").write(good_key)
        r = run("start", "--home", os.path.join(d, "nowhere"))
        assert r.returncode == 1 and "ghostd init" in r.stderr, r.stderr
    finally:
        for dm in daemons:
            dm.kill()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    lifecycle()
