"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for tests of the
explorer page: navigate, evaluate JavaScript, record what the page requested and what it
logged, take a screenshot. Uses python3-websockets; no npm packages.

The browser runs in its own process group with a throwaway profile; on exit (normal, failure
or a signal, through ghostnet's handlers and atexit) it is killed and waited for.
"""
import asyncio
import atexit
import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import websockets

_live = []


def _close_all():
    for b in list(_live):
        b.close()


atexit.register(_close_all)


class Browser:
    def __init__(self, width=1280, height=900, start_timeout=90):
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        if not os.path.exists(exe):
            raise AssertionError("Debian's chromium is not installed (scripts/setup installs it)")
        self.dir = tempfile.mkdtemp(prefix="ghost-chromium-")
        self.log_path = os.path.join(self.dir, "chromium.log")
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-sync", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
                f"--window-size={width},{height}", f"--user-data-dir={self.dir}/profile",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        _live.append(self)
        port_file = os.path.join(self.dir, "profile", "DevToolsActivePort")
        end = time.monotonic() + start_timeout
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise AssertionError(f"chromium did not open its DevTools port within {start_timeout}s:\n"
                                     + self.log_tail())
            time.sleep(0.2)
        port = int(open(port_file).read().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        assert pages, "chromium has no page"
        self.ws_url = pages[0]["webSocketDebuggerUrl"]

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        if self in _live:
            _live.remove(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """One DevTools session on the browser's page (use inside `async with`)."""

    def __init__(self, browser):
        self.browser = browser
        self.ids = itertools.count(1)
        self.waiting = {}
        self.requests = []  # every URL the page asked for
        self.problems = []  # exceptions, console errors, log entries of level error

    async def __aenter__(self):
        self.ws = await websockets.connect(self.browser.ws_url, max_size=None, open_timeout=30)
        self.reader = asyncio.create_task(self._read())
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.call(f"{domain}.enable")
        return self

    async def __aexit__(self, *exc):
        self.reader.cancel()
        await self.ws.close()

    async def _read(self):
        async for raw in self.ws:
            msg = json.loads(raw)
            if "id" in msg:
                fut = self.waiting.pop(msg["id"], None)
                if fut and not fut.done():
                    fut.set_result(msg)
                continue
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Network.requestWillBeSent":
                self.requests.append(params["request"]["url"])
            elif method == "Network.webSocketCreated":
                self.requests.append(params["url"])
            elif method == "Runtime.exceptionThrown":
                self.problems.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                self.problems.append("console: " + json.dumps(params["args"])[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                self.problems.append("log: " + params["entry"]["text"][:500])

    async def call(self, method, timeout=60, **params):
        i = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.waiting[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        msg = await asyncio.wait_for(fut, timeout)
        if "error" in msg:
            raise AssertionError(f"{method}: {msg['error']}")
        return msg["result"]

    async def eval(self, expression):
        r = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            raise AssertionError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    async def wait_for(self, what, expression, timeout=60, step=0.25):
        """The value of `expression` once it is truthy; fails after `timeout` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = await self.eval(expression)
            if v:
                return v
            await asyncio.sleep(step)
        raise AssertionError(f"timed out after {timeout}s waiting for {what} ({expression})")

    async def screenshot(self, path):
        """The whole page, not only the window, as a PNG."""
        size = (await self.call("Page.getLayoutMetrics"))["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        r = await self.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
