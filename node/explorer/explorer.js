// The explorer page: reads the chain through this node's GET routes and follows new blocks
// over /subscribe (polling while the WebSocket is down). "#<height|id|address>" in the URL
// (the search box, or a click on a value) shows that block, tx, job, model or account. Everything from the chain is put in
// the page as text, never as markup: model names and endpoints are anyone's to choose.
"use strict";

const BLOCKS_SHOWN = 15;
const TXS_SHOWN = 50;
const STATE_EVERY_MS = 1000;  // validators, workers, models, jobs: at most this often
const POLL_MS = 3000;          // while the WebSocket is down

const blocks = new Map();  // height -> block summary, the latest BLOCKS_SHOWN
const txs = new Map();     // tx id -> {height, index, tx, receipt}, the latest TXS_SHOWN
let proposers = new Map(); // consensus key hex -> operator address
let lastStateAt = 0, stateTimer = null, pollTimer = null, socket = null, retryMs = 1000;

// --- formatting ---

function hexOfBase64(b64) {
  if (!b64) return "";
  const bin = atob(b64);
  let hex = "";
  for (let i = 0; i < bin.length; i++) hex += bin.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}

// An address is "gc1" + the 20 bytes in hex (docs/protocol.md); the API gives the bytes in base64.
function address(b64) {
  const hex = hexOfBase64(b64);
  return hex ? "gc1" + hex : "";
}

// Amounts are micro-credits (uint64, as decimal strings): shown in credits, exactly.
function credits(micro) {
  const v = BigInt(micro || 0);
  const whole = v / 1000000n, frac = (v % 1000000n).toString().padStart(6, "0").replace(/0+$/, "");
  return whole.toLocaleString("en-US") + (frac ? "." + frac : "");
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  return Math.floor(s / 3600) + " h ago";
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString("en-GB", {hour12: false});
}

// --- DOM ---

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? ""));
  return e;
}

// A long hex value cut short for the eye; the whole value is its title and can be copied.
function shortHex(value, keep = 8) {
  const text = value.length > 2 * keep + 1 ? value.slice(0, keep) + "…" + value.slice(-keep) : value;
  return el("span", {class: "mono", title: value}, text);
}

// The same, as a link that shows what it names (a tx, job, model or account).
function link(value, keep = 8) {
  const a = shortHex(value, keep);
  return el("a", {href: "#" + value}, a);
}

function badge(text, kind) {
  return el("span", {class: "badge " + kind}, text);
}

function fill(id, rows) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(...rows);
  const empty = document.querySelector('.empty[data-for="' + id + '"]');
  if (empty) empty.hidden = rows.length > 0;
}

function row(cells, props) {
  return el("tr", props, ...cells.map((c) => (c instanceof HTMLTableCellElement ? c : el("td", null, c))));
}

function num(value) {
  return el("td", {class: "num"}, value);
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function showError(message) {
  const e = document.getElementById("error");
  e.textContent = message || "";
  e.hidden = !message;
}

// --- the node's API ---

async function api(path) {
  const r = await fetch(path, {cache: "no-store"});
  const body = await r.json();
  if (!r.ok) throw Object.assign(new Error(body.error ? body.error.message : path + ": " + r.status), {status: r.status});
  return body;
}

async function loadStatus() {
  const s = await api("/status");
  setText("chain", s.chain_id);
  setText("height", s.height.toLocaleString("en-US"));
  setText("peers", s.peers + (s.catching_up ? " (catching up)" : ""));
  setText("mempool", s.mempool_txs + (s.mempool_txs === 1 ? " tx" : " txs"));
  setText("node", "node " + (s.moniker || "") + " " + s.node_key.slice(0, 12) + "…");
  document.title = "Ghostchain explorer · " + s.chain_id + " · " + s.height;
}

// Block summaries down from the newest, then the txs of those that have any.
async function loadBlocks() {
  const list = await api("/blocks?limit=" + BLOCKS_SHOWN);
  for (const b of list.blocks) blocks.set(b.height, b);
  trimBlocks();
  await Promise.all(list.blocks.filter((b) => b.txs > 0).map((b) => loadTxs(b.height)));
  renderBlocks();
}

async function loadTxs(height) {
  const b = await api("/blocks/" + height);
  b.txs.forEach((t, index) => {
    if (!txs.has(t.id)) txs.set(t.id, {height, index, tx: t.tx, receipt: t.receipt});
  });
  const newest = [...txs.entries()].sort((a, b) => b[1].height - a[1].height || b[1].index - a[1].index);
  txs.clear();
  for (const [id, t] of newest.slice(0, TXS_SHOWN)) txs.set(id, t);
  renderTxs();
}

function trimBlocks() {
  const heights = [...blocks.keys()].sort((a, b) => b - a);
  for (const h of heights.slice(BLOCKS_SHOWN)) blocks.delete(h);
}

async function loadState() {
  lastStateAt = Date.now();
  const [validators, workers, models, jobs] = await Promise.all(
      [api("/validators"), api("/workers"), api("/models"), api("/jobs?limit=30")]);
  renderValidators(validators);
  renderWorkers(workers.workers);
  renderModels(models.models);
  renderJobs(jobs);
  renderBlocks();  // proposers may have new names
}

// After a block: the state tables again, but no more often than STATE_EVERY_MS.
function scheduleState() {
  if (stateTimer) return;
  const wait = Math.max(0, lastStateAt + STATE_EVERY_MS - Date.now());
  stateTimer = setTimeout(() => {
    stateTimer = null;
    Promise.all([loadStatus(), loadState()]).then(() => showError(""), (e) => showError(e.message));
  }, wait);
}

// --- rendering ---

function renderBlocks() {
  const list = [...blocks.values()].sort((a, b) => b.height - a.height);
  fill("blocks", list.map((b) => row([
    el("td", {class: "mono"}, el("a", {href: "#" + b.height}, b.height)),
    el("td", null, shortHex(b.hash)),
    el("td", null, proposers.has(b.proposer) ? link(proposers.get(b.proposer), 10) : shortHex(b.proposer)),
    num(b.txs),
    el("td", {title: new Date(b.time_ms).toISOString()}, clock(b.time_ms)),
  ], {"data-height": b.height})));
  if (list.length >= 2) {
    const span = list[0].time_ms - list[list.length - 1].time_ms;
    setText("interval", (span / (list.length - 1) / 1000).toFixed(2) + " s");
  }
  renderAge();
}

function renderAge() {
  let newest = null;
  for (const b of blocks.values()) if (!newest || b.height > newest.height) newest = b;
  setText("age", newest ? ago(newest.time_ms) : "–");
}

const TX_KINDS = ["transfer", "stake", "unstake", "unjail", "register_model", "inference_request",
                  "inference_result", "train_request", "train_result", "challenge", "evidence"];

// What the tx does, in words; `keep` hex digits of each end of the values it names.
function txDetails(kind, body, keep = 8) {
  const k = body[kind] || {};
  switch (kind) {
    case "transfer": return [credits(k.amount) + " to ", link(address(k.to), keep + 2)];
    case "stake": return [k.role + " " + credits(k.amount) + (k.endpoint ? " at " + k.endpoint : "")];
    case "unstake": return [k.role + " " + credits(k.amount)];
    case "unjail": return [k.role];
    case "register_model": return ["model " + ((k.ghost_file || {}).name || "")];
    case "inference_request":
    case "train_request": return ["model ", link(hexOfBase64(k.model_id), keep), " max fee " + credits(k.max_fee)];
    case "inference_result":
    case "train_result":
    case "challenge": return ["job ", link(hexOfBase64(k.job_id), keep)];
    default: return [""];
  }
}

function txKind(tx) {
  return (TX_KINDS.find((k) => k in (tx.body || {})) || "unknown").replace("_", " ");
}

function txResult(receipt) {
  const status = receipt ? receipt.status : "";
  const b = status === "OK" ? badge("OK", "good") : badge(status || "?", "bad");
  if (receipt && receipt.reason) b.title = receipt.reason;
  return b;
}

function renderTxs() {
  fill("txs", [...txs.entries()].map(([id, t]) => {
    const body = t.tx.body || {};
    const kind = TX_KINDS.find((k) => k in body) || "unknown";
    return row([
      el("td", {class: "mono"}, el("a", {href: "#" + t.height}, t.height)),
      el("td", null, link(id)),
      txKind(t.tx),
      el("td", null, t.tx.sender_address ? link(t.tx.sender_address, 10) : ""),
      el("td", null, ...txDetails(kind, body)),
      num(credits(t.receipt ? t.receipt.fee_paid : t.tx.fee)),
      el("td", null, txResult(t.receipt)),
    ], {"data-tx-id": id});
  }));
}

function state(stake) {
  if (stake.jailed) return badge("jailed until " + stake.unjail_height, "bad");
  return badge("active", "good");
}

function renderValidators(v) {
  const power = new Map(v.validators.map((x) => [x.key, x]));
  proposers = new Map();
  const rows = v.stakes.map((s) => {
    const key = hexOfBase64(s.consensus_pubkey), op = address(s.operator), inSet = power.get(key);
    proposers.set(key, op);
    power.delete(key);
    const st = s.jailed || inSet ? state(s) : badge("not in the set", "warn");
    return row([
      el("td", null, link(op, 10)),
      el("td", null, shortHex(key)),
      num((inSet ? inSet.power : 0).toLocaleString("en-US")),
      num(credits(s.bonded)),
      num(credits(s.slashed)),
      el("td", null, st, inSet && inSet.proposer_next ? badge("proposes next", "info") : ""),
    ], {"data-operator": op});
  });
  for (const [key, x] of power)  // in the set without a stake record (genesis)
    rows.push(row(["", el("td", null, shortHex(key)), num(x.power.toLocaleString("en-US")), num(""), num(""),
                   el("td", null, badge("active", "good"))]));
  fill("validators", rows);
  setText("validator-count", v.validators.length);
  setText("total-power", "total power " + v.total_power.toLocaleString("en-US"));
}

function renderWorkers(list) {
  fill("workers", list.map((w) => row([
    el("td", null, link(address(w.operator), 10)),
    el("td", {class: "mono"}, w.endpoint),
    el("td", null, ...w.models.map((m) => link(hexOfBase64(m), 6))),
    num(credits(w.price)),
    num(w.served),
    num(w.misses),
    num(credits(w.bonded)),
    el("td", null, state(w)),
  ])));
}

function renderModels(list) {
  fill("models", list.map((m) => {
    const roots = el("details", null, el("summary", null, m.roots.length + " roots"),
                     ...m.roots.map((r) => el("div", {class: "mono small"}, r)));
    return row([
      (m.ghost_file || {}).name || "",
      el("td", null, link(m.id)),
      num(m.version),
      num(m.registered_height),
      el("td", null, roots),
    ], {"data-model-id": m.id});
  }));
}

// What became of a job: its status in the terms of who pays whom.
const OUTCOMES = {
  SETTLED: ["paid", "good"],
  REFUNDED: ["refunded", "warn"],
  CHALLENGED: ["slashed", "bad"],
  ANSWERED: ["answered, open to challenge", "info"],
  ASSIGNED: ["assigned", "info"],
  REQUESTED: ["requested", "info"],
};

function outcome(job) {
  const [word, kind] = OUTCOMES[job.status] || [job.status, "info"];
  const b = badge(word, kind);
  if (job.status === "CHALLENGED" && job.slashed !== "0") b.title = credits(job.slashed) + " slashed";
  return b;
}

function renderJobs(j) {
  const counts = j.counts || {};
  const parts = [["SETTLED", "paid"], ["REFUNDED", "refunded"], ["CHALLENGED", "slashed"]]
      .map(([s, word]) => (counts[s] || 0) + " " + word);
  setText("job-counts", j.total + " in all: " + parts.join(", "));
  fill("jobs", j.jobs.map((x) => {
    return row([
      el("td", null, link(x.id)),
      x.kind.toLowerCase(),
      el("td", null, link(hexOfBase64(x.model_id), 6), " v" + x.version),
      el("td", null, link(address(x.client), 10)),
      el("td", null, x.worker ? link(address(x.worker), 10) : ""),
      num(credits(x.price)),
      num(x.requested_height),
      el("td", null, outcome(x)),
    ], {"data-job-id": x.id});
  }));
}

// --- one block, tx, job, model or account ---

function blockFields(b) {
  const proposer = hexOfBase64(b.header.proposer);
  return ["Block " + b.height, [
    ["hash", b.hash],
    ["time", new Date(b.time_ms).toISOString()],
    ["proposer", proposers.has(proposer) ? link(proposers.get(proposer), 40) : proposer],
    ["previous", hexOfBase64(b.header.prev_hash)],
    ["app hash after", b.app_hash || ""],
    ["txs", b.txs.length ? el("span", null, ...b.txs.map((t) => el("div", null, link(t.id, 32), " ", txKind(t.tx), " ",
                                                                  txResult(t.receipt)))) : "none"],
  ]];
}

function txFields(t) {
  const body = t.tx.body || {};
  const kind = TX_KINDS.find((k) => k in body) || "unknown";
  return ["Transaction", [
    ["id", t.tx_id],
    ["status", t.status],
    ["height", t.height ? el("a", {href: "#" + t.height}, t.height) : "–"],
    ["kind", txKind(t.tx)],
    ["from", t.tx.sender_address ? link(t.tx.sender_address, 40) : ""],
    ["details", el("span", null, ...txDetails(kind, body, 32))],
    ["nonce", t.tx.nonce],
    ["fee", credits(t.receipt ? t.receipt.fee_paid : t.tx.fee)],
    ["result", t.receipt ? el("span", null, txResult(t.receipt), t.receipt.reason) : "pending"],
  ]];
}

function jobFields(j) {
  return ["Job", [
    ["id", j.id],
    ["kind", j.kind.toLowerCase()],
    ["outcome", outcome(j)],
    ["model", el("span", null, link(hexOfBase64(j.model_id), 32), " version " + j.version)],
    ["client", link(address(j.client), 40)],
    ["worker", j.worker ? link(address(j.worker), 40) : "–"],
    ["price", credits(j.price) + " (escrowed " + credits(j.max_fee) + ")"],
    ["heights", "requested " + j.requested_height + ", answered " + j.answered_height + ", closed " + j.closed_height +
                ", deadline " + j.deadline],
    ["slashed", credits(j.slashed)],
  ]];
}

function modelFields(m) {
  return ["Model " + ((m.ghost_file || {}).name || ""), [
    ["id", m.id],
    ["version", m.version],
    ["registered at", m.registered_height],
    ["tensor roots", el("span", null, ...m.roots.map((r) => el("div", {class: "mono"}, r)))],
  ]];
}

function accountFields(a) {
  return ["Account", [["address", a.address], ["balance", credits(a.balance)], ["nonce", a.nonce]]];
}

// A 64-digit id names a tx, a job (its request's tx id, so a tx first) or a model.
async function idFields(id) {
  for (const [path, fields] of [["/txs/", txFields], ["/jobs/", jobFields], ["/models/", modelFields]]) {
    try {
      return fields(await api(path + id));
    } catch (e) {
      if (e.status !== 404) throw e;
    }
  }
  throw new Error("no tx, job or model has this id");
}

async function find(query) {
  const q = query.trim(), found = document.getElementById("found");
  if (!q) return (found.hidden = true);
  let title, fields;
  try {
    if (/^[0-9]{1,19}$/.test(q)) [title, fields] = blockFields(await api("/blocks/" + q));
    else if (/^gc1[0-9a-f]{40}$/.test(q)) [title, fields] = accountFields(await api("/accounts/" + q));
    else if (/^[0-9a-fA-F]{64}$/.test(q)) [title, fields] = await idFields(q.toLowerCase());
    else throw new Error("search for a block height, a tx, job or model id (64 hex digits) or a gc1… address");
  } catch (e) {
    [title, fields] = ["Nothing found", [["for", q], ["why", e.message]]];
  }
  setText("found-title", title);
  document.getElementById("found-fields").replaceChildren(
      ...fields.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
  found.hidden = false;
  found.setAttribute("data-query", q);
}

function onHash() {
  const q = decodeURIComponent(location.hash.slice(1));
  document.getElementById("query").value = q;
  find(q);
}

// --- live ---

async function onBlock(b) {
  const newest = Math.max(0, ...blocks.keys());
  blocks.set(b.height, b);
  trimBlocks();
  setText("height", b.height.toLocaleString("en-US"));
  if (newest && b.height > newest + 1) await loadBlocks();  // missed some: read them
  else if (b.txs > 0) await loadTxs(b.height);
  renderBlocks();
  scheduleState();
}

function setLive(text, kind) {
  const e = document.getElementById("live");
  e.textContent = text;
  e.className = "badge " + kind;
}

function connect() {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/subscribe";
  socket = new WebSocket(url);
  socket.onopen = () => {
    socket.send(JSON.stringify({subscribe: ["blocks"]}));
    retryMs = 1000;
    setLive("live", "good");
    stopPolling();
    refresh();  // blocks committed while the socket was down
  };
  socket.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.topic === "blocks") onBlock(msg.data).catch((e) => showError(e.message));
  };
  socket.onclose = () => {
    socket = null;
    setLive("polling", "warn");
    startPolling();
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 15000);
  };
}

function refresh() {
  return Promise.all([loadStatus(), loadBlocks(), loadState()])
      .then(() => showError(""), (e) => showError("node unreachable or failing: " + e.message));
}

function startPolling() {
  if (!pollTimer) pollTimer = setInterval(refresh, POLL_MS);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

document.getElementById("search").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = document.getElementById("query").value.trim();
  if (decodeURIComponent(location.hash.slice(1)) === q) find(q);
  else location.hash = q;
});
window.addEventListener("hashchange", onHash);
if (location.hash.length > 1) onHash();
refresh();
connect();
setInterval(renderAge, 1000);
