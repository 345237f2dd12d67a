"""A local Ghostchain network of real ghostd processes for end-to-end tests.

Every test creates its own testnet in a fresh temporary folder with `ghost testnet init`,
on loopback ports found free, starts the nodes, talks to them over their HTTP API, and on
exit (normal, failure, or a signal) kills every process it started and waits for it. Every
wait has a deadline. Uses only Python's standard library and Debian's python3 packages.
"""
import atexit
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = os.environ.get("GHOST_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
_live = []  # every Testnet not yet closed, for the exit and signal handlers


def _close_all(*_):
    for net in list(_live):
        net.close()


atexit.register(_close_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda s, f: (_close_all(), sys.exit(128 + s)))


def ephemeral_low():
    """The first port the kernel hands out for outgoing connections: listening ports chosen
    below it cannot be taken meanwhile by some process's outbound socket (the nodes dial their
    peers from such ports)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_range(count, tries=200):
    """A base port such that base .. base+count-1 are all free on 127.0.0.1 now, below the
    ephemeral range."""
    top = max(ephemeral_low(), 10000 + 2 * count)
    for _ in range(tries):
        base = random.randrange(10000, top - count)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def http(method, url, body=None, timeout=10, headers=None):
    """(status, parsed JSON or text) of one request; HTTP errors are returned, not raised."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    text = raw.decode(errors="replace")
    return status, (json.loads(text) if "json" in ctype and text else text)


# Shorter waits than the defaults keep the end-to-end tests quick.
FAST_PARAMS = ("timeout_propose_ms=600", "timeout_prevote_ms=300", "timeout_precommit_ms=300",
               "timeout_delta_ms=200", "timeout_commit_ms=100")


class Testnet:
    def __init__(self, validators=4, test_modes=False, clients=4, name="e2e", params=FAST_PARAMS, init_args=()):
        self.dir = tempfile.mkdtemp(prefix=f"ghost-{name}-")
        self.procs = {}
        self.base = free_port_range(2 * validators)
        args = [os.path.join(BIN, "ghost"), "testnet", "init", "--validators", str(validators),
                "--clients", str(clients), "--out", self.dir, "--base-port", str(self.base), "--json"]
        if test_modes:
            args.append("--test-modes")
        args += list(init_args)  # e.g. --workers N --model DIR
        for p in params:
            args += ["--param", p]
        out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout
        self.manifest = json.loads(out)
        self.nodes = self.manifest["nodes"]
        self.keyring = {k["name"]: k for k in self.manifest["keyring"]}
        _live.append(self)

    # --- processes ---
    def start(self, i, *extra, validator=True):
        assert i not in self.procs or self.procs[i].poll() is not None, f"node{i} is running"
        log = open(self.log_path(i), "ab")
        args = [os.path.join(BIN, "ghostd"), "start", "--home", self.nodes[i]["home"], *extra]
        if validator:
            args.append("--validator")
        self.procs[i] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self.procs[i]

    def start_all(self):
        for i in range(len(self.nodes)):
            self.start(i)

    def signal(self, i, sig):
        p = self.procs.get(i)
        if p and p.poll() is None:
            os.killpg(p.pid, sig)

    def stop(self, i, timeout=20):
        """SIGTERM, then the exit code (SIGKILL and a failure if it does not stop in time)."""
        p = self.procs[i]
        self.signal(i, signal.SIGTERM)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(i, signal.SIGKILL)
            p.wait(10)
            raise AssertionError(f"node{i} did not stop within {timeout}s of SIGTERM")

    def kill(self, i):
        self.signal(i, signal.SIGKILL)
        self.procs[i].wait(10)

    def running(self, i):
        return i in self.procs and self.procs[i].poll() is None

    def lock_holder(self, i):
        """The pid of the process holding node i's home lock (ghostd writes its pid there), or None."""
        lock = os.path.join(self.nodes[i]["home"], "ghostd.lock")
        try:
            pid = int(open(lock).read().split()[0])
            fds = os.listdir(f"/proc/{pid}/fd")
        except (OSError, ValueError, IndexError):
            return None
        real = os.path.realpath(lock)
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == real:
                    return pid
            except OSError:
                pass
        return None

    def close(self):
        for i in list(self.procs):
            self.signal(i, signal.SIGKILL)
        # Nodes that `ghost testnet start` ran are not our children: find them by their lock.
        for i in range(len(self.nodes)):
            pid = self.lock_holder(i)
            if pid:
                os.kill(pid, signal.SIGKILL)
                for _ in range(100):
                    if self.lock_holder(i) is None:
                        break
                    time.sleep(0.1)
        for p in self.procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = {}
        if self in _live:
            _live.remove(self)
        if os.environ.get("GHOST_KEEP_TESTNET"):
            print(f"testnet kept in {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.dump_logs()
        self.close()

    def log_path(self, i):
        # The file `ghost testnet start` also writes to.
        return os.path.join(self.nodes[i]["home"], "ghostd.log")

    def dump_logs(self, lines=40):
        for i in range(len(self.nodes)):
            if os.path.exists(self.log_path(i)):
                with open(self.log_path(i), errors="replace") as f:
                    tail = f.readlines()[-lines:]
                print(f"--- node{i} log (last {len(tail)} lines) ---", file=sys.stderr)
                sys.stderr.writelines(tail)

    # --- API ---
    def url(self, i, path=""):
        return self.nodes[i]["rpc"] + path

    def get(self, i, path, **kw):
        return http("GET", self.url(i, path), **kw)

    def post(self, i, path, body, **kw):
        return http("POST", self.url(i, path), body, **kw)

    def status(self, i):
        code, body = self.get(i, "/status", timeout=5)
        if code != 200:
            raise HttpError(code, body)
        return body

    def height(self, i):
        try:
            return self.status(i)["height"]
        except (OSError, HttpError, ValueError):
            return -1

    def wait(self, what, cond, timeout=60, step=0.1):
        """cond() until it returns something true; a node not answering yet counts as false."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                v = cond()
            except (OSError, HttpError, ValueError, KeyError):
                v = None
            if v:
                return v
            time.sleep(step)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def wait_height(self, h, nodes=None, timeout=60):
        nodes = range(len(self.nodes)) if nodes is None else nodes
        return self.wait(f"height {h} on nodes {list(nodes)}", lambda: all(self.height(i) >= h for i in nodes), timeout)

    def block(self, i, h):
        """Block h from node i. Tests read hundreds of blocks back to back, past the RPC's
        per-address rate limit: like any client, back off on 429 and ask again."""
        for attempt in range(50):
            code, body = self.get(i, f"/blocks/{h}")
            if code != 429:
                break
            time.sleep(0.1 * min(attempt + 1, 10))
        if code != 200:
            raise HttpError(code, body)
        return body

    # --- client ---
    def job(self, job_id, node=0):
        code, j = self.get(node, f"/jobs/{job_id}")
        assert code == 200, (code, j)
        return j

    def wait_job(self, job_id, statuses, timeout=60):
        """The job once its status is one of `statuses`."""
        return self.wait(f"job {job_id[:12]} {statuses}", lambda: (j := self.job(job_id))["status"] in statuses and j,
                         timeout=timeout)

    def balance(self, name_or_address, node=0):
        addr = self.keyring[name_or_address]["address"] if name_or_address in self.keyring else name_or_address
        code, body = self.get(node, f"/accounts/{addr}")
        if code != 200:
            raise HttpError(code, body)
        return int(body["balance"]), int(body["nonce"])

    def ghost(self, *args, node=0, timeout=60, check=True):
        """Runs the `ghost` client against node `node`; returns (exit code, stdout, stderr)."""
        cmd = [os.path.join(BIN, "ghost"), *args]
        env = dict(os.environ, GHOST_NODE=self.url(node), GHOST_KEYRING=os.path.join(self.dir, "keyring"))
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r.returncode, r.stdout, r.stderr


def scenario(fn):
    """Runs one end-to-end scenario as a program: exit 0 when it passes, 1 with the reason."""
    def main():
        start = time.monotonic()
        try:
            fn()
        except Exception as e:  # any failure: report it, the Testnet context has dumped logs
            import traceback
            traceback.print_exc()
            print(f"FAIL {fn.__name__} after {time.monotonic() - start:.1f}s: {e}", file=sys.stderr)
            sys.exit(1)
        print(f"PASS {fn.__name__} in {time.monotonic() - start:.1f}s")
    return main
