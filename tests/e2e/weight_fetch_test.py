"""Weight fetch from peers (docs/protocol.md §6.1.1) with real ghostd processes: a validator
serves a small registered model's folder; `ghostd fetch-model` on a new node fetches it over
P2P, every leaf checked against the chain's roots, and the folder it builds computes what the
original computes (same roots); that node then serves the fetched folder. A peer in the
test-only tamper mode is refused and banned while the fetch completes from the honest one. A
fetch killed with -9 mid-way resumes from its journal and fetches fewer bytes the second time."""
import json
import os
import struct
import subprocess
import time

from ghostnet import BIN, Testnet, free_port_range, scenario
from worker_test import ghost_file_with_owner

MODEL = dict(n=20000, d=256, d_out=4, k=8)  # W_K: 20 MB in 5 ranges of 4 MiB
CAP_MB_PER_S = 4  # the honest servers' upload cap: a fetch lasts seconds, so peers and kills land mid-way
OWNER = bytes(range(20))


def ghost(*args, timeout=300):
    r = subprocess.run([os.path.join(BIN, "ghost"), *args], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, (args, r.returncode, r.stderr)
    return r.stdout


def add_home(net, name, peers, *flags):
    """A node home on the chain's genesis that dials `peers` (node indices); returns its index."""
    base = free_port_range(2)
    home = os.path.join(net.dir, name)
    dial = ",".join(f"{net.nodes[p]['node_key']}@{net.nodes[p]['p2p']}" for p in peers)
    made = json.loads(subprocess.run(
        [os.path.join(BIN, "ghostd"), "init", "--home", home, "--chain-id", net.manifest["chain_id"], "--genesis",
         os.path.join(net.nodes[0]["home"], "genesis.json"), "--insecure-unencrypted-keys", "--json", "--moniker", name,
         "--p2p.listen", f"127.0.0.1:{base}", "--rpc.listen", f"127.0.0.1:{base + 1}",
         "--p2p.persistent_peers", dial, "--log.format", "json", "--worker.threads", "1", *flags],
        check=True, capture_output=True, text=True, timeout=60).stdout)
    net.nodes.append({"name": name, "home": home, "rpc": f"http://127.0.0.1:{base + 1}",
                      "p2p": f"127.0.0.1:{base}", "node_key": made["node_key"]})
    return len(net.nodes) - 1


def fetch(net, i, model_id, out):
    """`ghostd fetch-model` as node i (reaped by the Testnet like its other nodes)."""
    log = open(net.log_path(i), "ab")
    net.procs[i] = subprocess.Popen([os.path.join(BIN, "ghostd"), "fetch-model", "--home", net.nodes[i]["home"],
                                     "--model", model_id, "--out", out, "--json"],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return net.procs[i]


def log_lines(net, i, msg):
    out = []
    for line in open(net.log_path(i), errors="replace"):
        if line.startswith("{"):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("msg") == msg:
                out.append(rec)
    return out


def infer(model_dir, x_path):
    """`ghost model infer --exact` proves its answer and checks that proof against the folder's model.ghost,
    so it fails unless the folder's weights have the roots its ghost file names."""
    return json.loads(ghost("model", "infer", model_dir, "--input", x_path, "--exact", "--json", "--threads", "1"))


def roots(model_dir):
    shown = json.loads(ghost("model", "show", model_dir, "--json"))
    return shown["model_id"], [t["root"] for layer in shown["ghost_file"]["layers"] for t in layer["tensors"]]


def check_same_model(model_dir, fetched, model_id, x_path):
    fetched_id, fetched_roots = roots(fetched)
    assert fetched_id == model_id, ("model.ghost is not the registered file", fetched_id, model_id)
    assert fetched_roots == roots(model_dir)[1], "the fetched roots differ from the built folder's"
    want, got = infer(model_dir, x_path), infer(fetched, x_path)
    assert got["output"] == want["output"], (got["output"], want["output"])
    assert not os.path.exists(os.path.join(fetched, "fetch-journal")), "the journal was left behind"


@scenario
def weight_fetch():
    with Testnet(validators=1, clients=1, name="weight-fetch", test_modes=True) as net:
        tmp = os.path.join(net.dir, "weight-fetch")
        os.makedirs(tmp)
        model_dir = os.path.join(tmp, "model")
        ghost("model", "build", "synthetic", "--out", model_dir, "--seed", "3", "--n", str(MODEL["n"]), "--d",
              str(MODEL["d"]), "--d-out", str(MODEL["d_out"]), "--k", str(MODEL["k"]), "--threads", "2")
        owned = os.path.join(tmp, "owned.ghost")
        open(owned, "wb").write(ghost_file_with_owner(os.path.join(model_dir, "model.ghost"), OWNER))
        shown = json.loads(ghost("model", "show", owned, "--json"))
        model_id = shown["model_id"]
        genesis_path = os.path.join(net.nodes[0]["home"], "genesis.json")
        genesis = json.load(open(genesis_path))
        genesis.setdefault("models", []).append(shown["ghost_file"])
        json.dump(genesis, open(genesis_path, "w"))
        x_path = os.path.join(tmp, "x.bin")
        open(x_path, "wb").write(struct.pack(f"<{MODEL['d']}f", *[((i * 37) % 11 - 5) / 5 for i in range(MODEL["d"])]))

        # The validator holds the model and serves it, capped so fetches take seconds.
        net.start(0, "--worker.model_dirs", model_dir, "--fetch.serve_mb_per_s", str(CAP_MB_PER_S))
        net.wait("the validator serving the model",
                 lambda: "serving weights to peers" in open(net.log_path(0)).read(), timeout=120)

        # --- a new node fetches the weights; its folder equals the built one ---
        f1 = add_home(net, "fetcher1", [0])
        out1 = os.path.join(tmp, "fetched1")
        bad_id = fetch(net, f1, "zz", out1)
        assert bad_id.wait(30) == 1, "a malformed model id must exit 1"
        p = fetch(net, f1, model_id, out1)
        assert p.wait(150) == 0, open(net.log_path(f1)).read()[-3000:]
        progress = log_lines(net, f1, "progress") + log_lines(net, f1, "fetched")
        assert progress and progress[-1]["percent"] == 100 and progress[-1]["mb_per_s"] > 0, progress[-3:]
        check_same_model(model_dir, out1, model_id, x_path)
        print(f"fetched {progress[-1]['total_mb']:.1f} MB at {progress[-1]['mb_per_s']:.1f} MB/s (capped at "
              f"{CAP_MB_PER_S}); roots match")

        # --- the fetching node serves what it fetched; a tampering peer is refused and banned ---
        net.start(f1, "--worker.model_dirs", out1, "--fetch.serve_mb_per_s", str(CAP_MB_PER_S), validator=False)
        liar = add_home(net, "liar", [0], "--fetch.test_tamper", "true", "--worker.model_dirs", model_dir)
        net.start(liar, validator=False)
        for i in (f1, liar):
            net.wait(f"node{i} serving", lambda i=i: "serving weights to peers" in open(net.log_path(i)).read(),
                     timeout=120)
        f2 = add_home(net, "fetcher2", [liar, f1])
        out2 = os.path.join(tmp, "fetched2")
        p = fetch(net, f2, model_id, out2)
        assert p.wait(150) == 0, open(net.log_path(f2)).read()[-3000:]
        refused = log_lines(net, f2, "refused leaves that do not verify")
        banned = log_lines(net, f2, "peer banned")
        liar_key = net.nodes[liar]["node_key"]
        assert refused and refused[0]["peer"] == liar_key[:12], refused
        assert any(b["peer"] == liar_key and b["reason"].startswith("leaf range") for b in banned), banned
        check_same_model(model_dir, out2, model_id, x_path)
        print(f"tampered leaf refused ({refused[0]['reason'][:60]}...), liar banned, fetch completed from node{f1}")

        # --- kill -9 mid-fetch, restart: resumes from the journal ---
        f3 = add_home(net, "fetcher3", [0])
        out3 = os.path.join(tmp, "fetched3")
        fetch(net, f3, model_id, out3)
        net.wait("a first range kept", lambda: any(r["done_mb"] > 0 for r in log_lines(net, f3, "progress")),
                 timeout=120, step=0.05)
        net.kill(f3)
        first_total = log_lines(net, f3, "fetching weights")[-1]["total_mb"]
        p = fetch(net, f3, model_id, out3)
        assert p.wait(150) == 0, open(net.log_path(f3)).read()[-3000:]
        resumed = log_lines(net, f3, "fetching weights")[-1]
        done = log_lines(net, f3, "fetched")[-1]
        assert resumed["already_mb"] > 0, resumed
        assert done["fetched_mb"] < first_total, (done, first_total)
        check_same_model(model_dir, out3, model_id, x_path)
        print(f"killed mid-fetch, resumed with {resumed['already_mb']:.1f} MB kept; fetched "
              f"{done['fetched_mb']:.1f} of {first_total:.1f} MB the second time")


if __name__ == "__main__":
    weight_fetch()
