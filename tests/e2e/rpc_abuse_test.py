"""Bad API clients get a 4xx (or a closed socket) and change nothing: garbage, oversize headers
and bodies, malformed and forged transactions, unknown routes, a client that never finishes its
request, more connections than the cap, more requests than the rate limit. Throughout, the
node keeps committing, and balances, nonces and the mempool stay as they were."""
import json
import socket
import time

from ghostnet import Testnet, http, scenario

LIMITS = ["--rpc.max_connections", "24", "--rpc.requests_per_second", "50", "--rpc.burst", "60",
          "--rpc.request_timeout_ms", "1500", "--rpc.max_body_bytes", "65536", "--rpc.max_header_bytes", "4096"]


def raw(addr, data, timeout=5):
    """Sends bytes, returns everything the server sends back until it closes or goes quiet."""
    host, port = addr
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        try:
            while chunk := s.recv(65536):
                got += chunk
                if b"\r\n\r\n" in got and b"Connection: close" not in got and len(got) > 4096:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return got


def status_of(reply):
    line = reply.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) >= 2 and line[0].startswith(b"HTTP/") else None


def json_error(reply):
    body = reply.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in reply else b""
    return json.loads(body)["error"]


def snapshot(net):
    accounts = {name: net.balance(name) for name in net.keyring}
    st = net.status(0)
    return accounts, st["mempool_txs"], st["mempool_bytes"]


def closes_within(addr, data, seconds):
    """True when the server closes a connection that sent `data` and then nothing, in time."""
    with socket.create_connection(addr, timeout=seconds + 5) as s:
        s.sendall(data)
        start = time.monotonic()
        try:
            while s.recv(4096):
                pass
        except (socket.timeout, ConnectionResetError):
            return False if time.monotonic() - start >= seconds + 5 else True
        return time.monotonic() - start < seconds + 5


@scenario
def rpc_abuse():
    with Testnet(validators=1, name="rpc-abuse") as net:
        net.start(0, *LIMITS)
        net.wait_height(2, timeout=60)
        url = net.url(0)
        host, port = url.replace("http://", "").split(":")
        addr = (host, int(port))
        before = snapshot(net)
        h0 = net.height(0)

        # Bytes that are not HTTP.
        r = raw(addr, b"\x16\x03\x01\x02\x00garbage\x00\xff\r\n\r\n")
        assert r == b"" or status_of(r) == 400, r[:200]
        # A header over the limit.
        r = raw(addr, b"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n")
        assert r == b"" or status_of(r) == 431, r[:200]
        # A body over the limit.
        code, body = http("POST", url + "/txs", b"{" + b" " * 70000 + b"}", headers={"Content-Type": "application/json"})
        assert code == 413 and body["error"]["code"] == "body_too_large", (code, body)
        # Bodies that are not a tx.
        for bad in [b"not json", b"[]", b'{"tx": 7}', b'{"tx": "zz"}', b'{"tx": "00"}', b"{}"]:
            code, body = http("POST", url + "/txs", bad, headers={"Content-Type": "application/json"})
            assert code == 400 and "error" in body, (bad, code, body)
        # A well-formed transfer with someone else's signature.
        alice = net.keyring["alice"]
        code, out, _ = net.ghost("tx", "send", "--from", "alice", "--to", net.keyring["bob"]["address"],
                                 "--amount", "1", "--sign-only", "--json")
        tx_hex = json.loads(out)["tx"]
        forged = tx_hex[:-2] + ("00" if tx_hex[-2:] != "00" else "01")  # the signature's last byte
        code, body = net.post(0, "/txs?mode=sync", {"tx": forged})
        assert code == 400 and body["error"]["code"] == "TX_BAD_SIGNATURE", (code, body)
        # Unknown routes, wrong methods, bad parameters.
        for method, path, want in [("GET", "/nope", 404), ("DELETE", "/status", 405), ("GET", "/blocks/abc", 400),
                                   ("GET", "/accounts/xyz", 400), ("GET", "/txs/12", 400), ("POST", "/txs?mode=later", 400)]:
            code, body = http(method, url + path, b"{}" if method == "POST" else None)
            assert code == want and "error" in body, (method, path, code, body)
        assert alice["address"]  # the keyring is what the balances below are read with

        # A client that never finishes its request is dropped after request_timeout_ms.
        assert closes_within(addr, b"GET /status HTTP/1.1\r\nHost: x\r\n", 1.5), "a slow client was kept"

        # More connections than the cap: the extra ones get 503 or are closed; the node recovers.
        socks = []
        try:
            for _ in range(40):
                socks.append(socket.create_connection(addr, timeout=5))
            refused = 0
            for s in socks[24:]:
                s.settimeout(3)
                try:
                    # Idle connections under the cap are closed too, later (request_timeout_ms):
                    # only the 503 says "over the cap".
                    refused += status_of(s.recv(4096)) == 503
                except ConnectionResetError:
                    refused += 1
                except socket.timeout:
                    pass  # accepted and idle: under the cap
            assert refused >= 10, f"only {refused} of 16 connections over the cap were refused"
        finally:
            for s in socks:
                s.close()
        time.sleep(0.5)

        # More requests than the rate limit on one keep-alive connection: 429s, then service again.
        statuses = []
        with socket.create_connection(addr, timeout=5) as s:
            f = s.makefile("rb")
            for _ in range(150):
                s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
                line = f.readline()
                statuses.append(int(line.split()[1]))
                length = 0
                while (hdr := f.readline()) not in (b"\r\n", b""):
                    if hdr.lower().startswith(b"content-length:"):
                        length = int(hdr.split(b":")[1])
                f.read(length)
                if statuses[-1] == 429 and statuses.count(429) > 5:
                    break
        assert 429 in statuses and statuses[0] == 200, statuses[:10]
        net.wait("the rate limit to refill", lambda: net.get(0, "/status")[0] == 200, timeout=10)
        time.sleep(1.5)  # the whole burst (60 at 50/s) back: the checks below make several requests

        # Nothing changed, and the chain went on.
        assert snapshot(net) == before, (snapshot(net), before)
        net.wait_height(h0 + 5, timeout=60)
        assert net.stop(0) == 0, "ghostd did not exit 0 on SIGTERM (a sanitizer report exits non-zero)"


if __name__ == "__main__":
    rpc_abuse()
