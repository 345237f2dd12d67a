"""A node that lies: an HTTP proxy in front of a real node's API that forwards every request
and lets the test rewrite the JSON answers of chosen routes (other roots for a model, a
tampered proof for a job's result). What a client must catch without trusting the node."""
import http.server
import json
import threading
import urllib.error
import urllib.request

from ghostnet import free_port_range


class LyingNode:
    """`rewrite(path, doc)` returns the answer to send instead of the real one (or doc itself)."""

    def __init__(self, upstream, rewrite):
        self.upstream, self.rewrite = upstream, rewrite
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self, method):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))) if method == "POST" else None
                req = urllib.request.Request(outer.upstream + self.path, data=body, method=method,
                                             headers={"Content-Type": self.headers.get("Content-Type", "")})
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, raw = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, raw = e.code, e.read()
                if status == 200:
                    raw = json.dumps(outer.rewrite(self.path, json.loads(raw))).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                self.forward("GET")

            def do_POST(self):
                self.forward("POST")

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port_range(1)), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def flip_last_hex_digit(text):
    return text[:-1] + ("0" if text[-1] != "0" else "1")
