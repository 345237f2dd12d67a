"""The explorer page in headless Chromium against four real validators: it loads with nothing
but the node's own files, goes live over /subscribe, follows the height as blocks commit,
shows a transfer submitted meanwhile with its result, finds it and the recipient's account,
and lists the validators; the page
logs no error (a Content-Security-Policy violation would be one). When its node restarts, the
page polls, then goes live again. A screenshot of the page
is kept in the build folder ($GHOST_ARTIFACT_DIR). Also checks the list routes the page
reads: GET /blocks and GET /jobs."""
import asyncio
import json
import os
import sys

from browser import Browser, Page
from ghostnet import BIN, Testnet, scenario

ARTIFACTS = os.environ.get("GHOST_ARTIFACT_DIR", os.path.join(BIN, "..", "artifacts"))
HEIGHT = "parseInt(document.getElementById('height').textContent.replace(/,/g, ''))"
LIVE = "document.getElementById('live').textContent"
# The text of what the page shows for a search, once it shows it.
FOUND = "(f => !f.hidden && f.dataset.query === '{}' && f.textContent.trim())(document.getElementById('found'))"


def credits(micro):
    """As the page shows an amount: credits with thousands separators, no trailing zeros."""
    whole, frac = divmod(micro, 1_000_000)
    return f"{whole:,}" + (f".{frac:06d}".rstrip("0") if frac else "")


def check_list_routes(net):
    code, body = net.get(0, "/blocks?limit=3")
    assert code == 200, body
    heights = [b["height"] for b in body["blocks"]]
    assert heights == list(range(heights[0], heights[0] - 3, -1)) and body["height"] >= heights[0], body
    for b in body["blocks"]:
        full = net.block(0, b["height"])
        assert (b["hash"], b["time_ms"], b["txs"]) == (full["hash"], full["time_ms"], len(full["txs"])), (b, full)
    code, body = net.get(0, "/blocks")
    assert code == 200 and len(body["blocks"]) == min(20, body["height"]), body
    code, body = net.get(0, "/jobs")
    assert code == 200 and body == {"total": 0, "counts": {}, "jobs": []}, body  # no workers yet
    for path in ("/blocks?limit=0", "/blocks?limit=101", "/blocks?limit=x", "/blocks?limit=", "/jobs?limit=1000"):
        code, body = net.get(0, path)
        assert code == 400 and body["error"]["code"] == "bad_request", (path, code, body)


async def drive(net, page, shot):
    origin = net.url(0)
    await page.call("Page.navigate", url=origin + "/")
    try:
        await page.wait_for("the page to load", "document.readyState === 'complete'", timeout=60)
        await page.wait_for("the live badge", f"{LIVE} === 'live'", timeout=60)
        first = await page.wait_for("a height on the page", HEIGHT, timeout=60)
        await page.wait_for(f"the page to follow the chain past {first + 3}", f"{HEIGHT} >= {first + 3}", timeout=120)
        rows = await page.eval("document.querySelectorAll('#blocks tbody tr').length")
        assert rows >= 3, rows
        validators = await page.eval("[...document.querySelectorAll('#validators tbody tr')].map(r => r.textContent)")
        assert len(validators) == 4 and all("active" in v for v in validators), validators

        _, out, _ = await asyncio.to_thread(net.ghost, "tx", "send", "--from", "alice", "--to", "bob",
                                            "--amount", "1.25", "--json", node=1)
        tx = json.loads(out)
        assert tx["receipt"]["status"] == "OK", tx
        row = await page.wait_for(f"tx {tx['tx_id']} on the page",
                                  f"(document.querySelector('[data-tx-id=\"{tx['tx_id']}\"]') || {{}}).textContent",
                                  timeout=60)
        assert "transfer" in row and "1.25" in row and "OK" in row and str(tx["height"]) in row, row
        bob = net.keyring["bob"]["address"]
        shown = await page.eval(f"document.querySelector('[data-tx-id=\"{tx['tx_id']}\"] [title=\"{bob}\"]') !== null")
        assert shown, "the recipient's address is not on the transfer's row"

        # Found through the search box, and bob's account through the link on the tx's row.
        await page.eval(f"document.getElementById('query').value = '{tx['tx_id']}';"
                        "document.getElementById('search').requestSubmit()")
        found = await page.wait_for("the tx found", FOUND.format(tx["tx_id"]), timeout=30)
        assert found.startswith("Transaction") and "committed" in found and "1.25" in found and bob in found, found
        await page.eval(f"document.querySelector('[data-tx-id=\"{tx['tx_id']}\"] a[href=\"#{bob}\"]').click()")
        found = await page.wait_for("bob's account found", FOUND.format(bob), timeout=30)
        assert found.startswith("Account") and credits(net.balance("bob")[0]) in found, found

        interval = await page.eval("document.getElementById('interval').textContent")
        assert interval.endswith(" s") and float(interval[:-2]) > 0, interval
    finally:
        os.makedirs(ARTIFACTS, exist_ok=True)
        await page.screenshot(shot)
        print(f"explorer screenshot: {shot}")

    ws_origin = origin.replace("http://", "ws://")
    foreign = [u for u in page.requests if not u.startswith((origin + "/", ws_origin + "/", "data:"))]
    assert not foreign, f"the page asked for something not on the node: {foreign}"
    assert page.problems == [], page.problems

    # Its node restarts under the open page: the page polls meanwhile, then goes live again.
    assert await asyncio.to_thread(net.stop, 0) == 0
    await page.wait_for("the page to see its node gone", f"{LIVE} === 'polling'", timeout=30)
    before = await page.eval(HEIGHT)
    net.start(0)
    await page.wait_for("the live badge again", f"{LIVE} === 'live'", timeout=90)
    await page.wait_for(f"the page past height {before + 3}", f"{HEIGHT} >= {before + 3}", timeout=120)
    await page.wait_for("the error line to go", "document.getElementById('error').hidden", timeout=30)


async def run(net, browser, shot):
    async with Page(browser) as page:
        await drive(net, page, shot)


@scenario
def explorer():
    shot = os.path.abspath(os.path.join(ARTIFACTS, "explorer.png"))
    with Testnet(name="explorer") as net, Browser(height=1000) as browser:
        net.start_all()
        net.wait_height(3, timeout=90)
        check_list_routes(net)
        try:
            asyncio.run(run(net, browser, shot))
        except Exception:
            print(f"--- chromium log ---\n{browser.log_tail()}", file=sys.stderr)
            raise


if __name__ == "__main__":
    explorer()
