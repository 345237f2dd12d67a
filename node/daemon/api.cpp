#include "node/daemon/api.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "consensus/ledger/genesis.h"
#include "node/daemon/job_views.h"
#include "node/daemon/proto_json.h"
#include "proto/decode.h"

namespace ghost::daemon {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

rpc::Response ok(const json::value& v) { return rpc::json(json::serialize(v)); }
rpc::Response not_found(std::string what) { return rpc::error(404, "not_found", what); }
rpc::Response bad(std::string what) { return rpc::error(400, "bad_request", what); }
rpc::Response view(std::variant<json::object, NoView> v) {
  if (auto* o = std::get_if<json::object>(&v)) return ok(*o);
  const auto& no = std::get<NoView>(v);
  return rpc::error(no.status, no.status == 404 ? "not_found" : "bad_request", no.message);
}

// A decimal of at most `digits` digits (19 fit in uint64).
std::optional<uint64_t> parse_uint(const std::string& s, size_t digits = 19) {
  if (s.empty() || s.size() > digits || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(s);
}

// ?limit=N of a list: 1 to kMaxListed, kListed when absent.
constexpr uint64_t kListed = 20, kMaxListed = 100;
std::optional<uint64_t> list_limit(const rpc::Request& req) {
  auto it = req.query.find("limit");
  if (it == req.query.end()) return kListed;
  auto n = parse_uint(it->second, 3);
  if (!n || *n == 0 || *n > kMaxListed) return std::nullopt;
  return n;
}

std::optional<Hash32> parse_hash(const std::string& hex) {
  auto b = from_hex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  return Hash32::from_span(*b);
}

// The tx envelope with its body decoded, for people.
json::value tx_json(const std::string& raw) {
  auto env = pb::decode_as<pb::TxEnvelope>(as_bytes(raw));
  if (!env) return json::object{{"undecodable", to_hex(as_bytes(raw))}};
  json::object o = proto_json(*env).as_object();
  auto body = pb::decode_as<pb::TxBody>(as_bytes(env->body()));
  if (body) o["body"] = proto_json(*body);
  if (auto k = PublicKey::from_bytes(as_bytes(env->sender()))) o["sender_address"] = Address::of(*k).str();
  return o;
}

json::object block_summary(const pb::Block& block, const Hash32& hash) {
  return json::object{{"height", block.header().height()}, {"hash", hash.hex()}, {"time_ms", block.header().time_ms()},
                      {"txs", block.txs_size()}, {"proposer", to_hex(as_bytes(block.header().proposer()))}};
}

json::object job_json(const pb::Job& job) {
  json::object o = proto_json(job).as_object();
  o["id"] = to_hex(as_bytes(job.job_id()));
  o["model"] = to_hex(as_bytes(job.model_id()));
  auto address = [](const std::string& bytes) {
    auto a = Address::from_bytes(as_bytes(bytes));
    return a ? json::value(a->str()) : json::value(nullptr);
  };
  o["client_address"] = address(job.client());
  if (!job.worker().empty()) o["worker_address"] = address(job.worker());
  return o;
}

json::object block_json(const pb::Block& block, const std::optional<pb::BlockResults>& results) {
  json::object o;
  o["height"] = block.header().height();
  o["hash"] = chain::header_hash(block.header()).hex();
  o["time_ms"] = block.header().time_ms();
  o["header"] = proto_json(block.header());
  json::array txs;
  for (int i = 0; i < block.txs_size(); ++i) {
    json::object t;
    t["id"] = ledger::tx_id(as_bytes(block.txs(i))).hex();
    t["tx"] = tx_json(block.txs(i));
    if (results && i < results->receipts_size()) t["receipt"] = proto_json(results->receipts(i));
    txs.push_back(std::move(t));
  }
  o["txs"] = std::move(txs);
  o["last_commit"] = proto_json(block.last_commit());
  if (results) o["app_hash"] = to_hex(as_bytes(results->app_hash()));
  return o;
}

}  // namespace

Api::Api(asio::io_context& core, rpc::Server& server, chain::Chain& chain, mempool::Mempool& mempool, TxService& txs,
         metrics::Registry& metrics, NodeFacts facts)
    : core_(core), server_(server), chain_(chain), mempool_(mempool), txs_(txs), metrics_(metrics), facts_(std::move(facts)) {
  server.route(verb::get, "/status", [this](const rpc::Request&, const std::string&, rpc::Reply reply) {
    on_core(std::move(reply), [this] {
      json::object o;
      o["chain_id"] = chain_.genesis().chain_id();
      o["genesis_hash"] = ledger::genesis_hash(chain_.genesis()).hex();
      o["moniker"] = facts_.moniker;
      o["node_key"] = facts_.node_key;
      o["height"] = chain_.height();
      if (auto h = chain_.store().header(chain_.height())) {
        o["latest_block_hash"] = chain::header_hash(*h).hex();
        o["latest_block_time_ms"] = h->time_ms();
      }
      o["app_hash"] = chain_.ledger().app_hash().hex();
      o["params"] = proto_json(chain_.ledger().params());
      o["peers"] = facts_.peers();
      const uint64_t best = facts_.best_peer_height();
      o["best_peer_height"] = best;
      o["catching_up"] = best > chain_.height() + 1;
      o["mempool_txs"] = mempool_.size();
      o["mempool_bytes"] = mempool_.bytes();
      if (facts_.validator) {
        o["validator_key"] = facts_.validator->hex();
        o["validator_address"] = Address::of(*facts_.validator).str();
      }
      return ok(o);
    });
  });
  server.route(verb::get, "/blocks/", [this](const rpc::Request& req, const std::string& param, rpc::Reply reply) {
    const bool summary = req.query.contains("summary");
    on_core(std::move(reply), [this, param, summary] {
      auto h = param == "latest" ? std::optional<uint64_t>(chain_.height()) : parse_uint(param);
      if (!h) return bad("a block is named by its height or \"latest\"");
      auto b = chain_.store().block(*h);
      if (!b) return not_found("no block at height " + param + " (the chain is at " + std::to_string(chain_.height()) + ")");
      if (summary) return ok(block_summary(*b, chain::header_hash(b->header())));
      return ok(block_json(*b, chain_.store().results(*h)));
    });
  });
  server.route(verb::get, "/blocks", [this](const rpc::Request& req, const std::string&, rpc::Reply reply) {
    auto limit = list_limit(req);
    if (!limit) return reply(bad("limit must be 1 to " + std::to_string(kMaxListed)));
    on_core(std::move(reply), [this, n = *limit] {
      json::array out;
      for (uint64_t h = chain_.height(); h > 0 && out.size() < n; --h)
        if (auto b = chain_.store().block(h)) out.push_back(block_summary(*b, chain::header_hash(b->header())));
      return ok(json::object{{"height", chain_.height()}, {"blocks", std::move(out)}});
    });
  });
  server.route(verb::get, "/txs/", [this](const rpc::Request&, const std::string& param, rpc::Reply reply) {
    on_core(std::move(reply), [this, param] {
      auto id = parse_hash(param);
      if (!id) return bad("a tx id is 64 hex digits");
      json::object o;
      o["tx_id"] = id->hex();
      if (auto loc = chain_.store().find_tx(*id)) {
        auto b = chain_.store().block(loc->height);
        auto r = chain_.store().results(loc->height);
        o["status"] = "committed";
        o["height"] = loc->height;
        o["index"] = loc->index;
        o["tx"] = tx_json(b->txs(int(loc->index)));
        if (r && int(loc->index) < r->receipts_size()) o["receipt"] = proto_json(r->receipts(int(loc->index)));
        return ok(o);
      }
      if (auto raw = mempool_.get(*id)) {
        o["status"] = "pending";
        o["tx"] = tx_json(std::string(raw->begin(), raw->end()));
        return ok(o);
      }
      return not_found("no tx " + id->hex() + " in a block or the mempool");
    });
  });
  server.route(verb::post, "/txs", [this](const rpc::Request& req, const std::string&, rpc::Reply reply) {
    submit(req, std::move(reply));
  });
  server.route(verb::get, "/accounts/", [this](const rpc::Request&, const std::string& param, rpc::Reply reply) {
    on_core(std::move(reply), [this, param] {
      auto a = Address::parse(param);
      if (!a) return bad("bad address: " + a.error().message);
      json::object o = proto_json(chain_.ledger().account(*a)).as_object();
      o["address"] = a->str();
      return ok(o);
    });
  });
  server.route(verb::get, "/validators", [this](const rpc::Request&, const std::string&, rpc::Reply reply) {
    on_core(std::move(reply), [this] {
      json::array set;
      const auto& vs = chain_.validators(chain_.height() + 1);
      for (size_t i = 0; i < vs.size(); ++i) {
        const auto& v = vs.validators()[i];
        set.push_back(json::object{{"key", v.key.hex()}, {"power", v.power}, {"priority", v.priority},
                                   {"proposer_next", i == vs.proposer_index()}});
      }
      json::array stakes;
      for (const auto& s : chain_.ledger().stakes(pb::VALIDATOR)) stakes.push_back(proto_json(s));
      return ok(json::object{{"height", chain_.height() + 1}, {"total_power", vs.total_power()},
                             {"validators", std::move(set)}, {"stakes", std::move(stakes)}});
    });
  });
  server.route(verb::get, "/supply", [this](const rpc::Request&, const std::string&, rpc::Reply reply) {
    on_core(std::move(reply), [this] {
      json::value o = proto_json(chain_.ledger().supply());
      o.as_object()["height"] = chain_.height();
      return ok(std::move(o));
    });
  });
  server.route(verb::get, "/workers", [this](const rpc::Request&, const std::string&, rpc::Reply reply) {
    on_core(std::move(reply), [this] {
      json::array out;
      for (const auto& s : chain_.ledger().stakes(pb::WORKER)) out.push_back(proto_json(s));
      return ok(json::object{{"workers", std::move(out)}});
    });
  });
  server.route(verb::get, "/workers/", [this](const rpc::Request&, const std::string& param, rpc::Reply reply) {
    on_core(std::move(reply), [this, param] {
      auto a = Address::parse(param);
      if (!a) return bad("bad address: " + a.error().message);
      auto s = chain_.ledger().stake(pb::WORKER, *a);
      if (!s) return not_found("no worker stake of " + a->str());
      return ok(worker_view(chain_.ledger(), *s));
    });
  });
  server.route(verb::get, "/models", [this](const rpc::Request&, const std::string&, rpc::Reply reply) {
    on_core(std::move(reply), [this] {
      json::array out;
      for (const auto& m : chain_.ledger().models()) out.push_back(std::get<json::object>(model_view(chain_.ledger(), m, {})));
      return ok(json::object{{"models", std::move(out)}});
    });
  });
  server.route(verb::get, "/models/", [this](const rpc::Request& req, const std::string& param, rpc::Reply reply) {
    std::optional<uint64_t> version;
    if (auto v = req.query.find("version"); v != req.query.end())
      if (version = parse_uint(v->second); !version) return reply(bad("version must be a number"));
    on_core(std::move(reply), [this, param, version] {
      auto id = parse_hash(param);
      if (!id) return bad("a model id is 64 hex digits");
      auto m = chain_.ledger().model(*id);
      if (!m) return not_found("no model " + id->hex());
      return view(model_view(chain_.ledger(), *m, version));
    });
  });
  // /jobs/{id} and /jobs/{id}/result
  server.route(verb::get, "/jobs/", [this](const rpc::Request&, const std::string& param, rpc::Reply reply) {
    on_core(std::move(reply), [this, param] {
      constexpr std::string_view kResult = "/result";
      const bool result = param.ends_with(kResult);
      auto id = parse_hash(result ? param.substr(0, param.size() - kResult.size()) : param);
      if (!id) return bad("a job is named /jobs/{id} or /jobs/{id}/result, its id 64 hex digits");
      auto j = chain_.ledger().job(*id);
      if (!j) return not_found("no job " + id->hex());
      if (result) return view(job_result(chain_.store(), *j));
      return ok(job_json(*j));
    });
  });
  server.route(verb::get, "/jobs", [this](const rpc::Request& req, const std::string&, rpc::Reply reply) {
    auto limit = list_limit(req);
    if (!limit) return reply(bad("limit must be 1 to " + std::to_string(kMaxListed)));
    on_core(std::move(reply), [this, n = *limit] {
      // Listing reads every job: once a height at most, however often it is asked.
      if (!jobs_ || jobs_->first != chain_.height())
        jobs_.emplace(chain_.height(), job_list(chain_.ledger().jobs(), kMaxListed));
      json::object o = jobs_->second;
      if (auto& list = o["jobs"].as_array(); list.size() > n) list.resize(n);
      return ok(o);
    });
  });
  server.route(verb::get, "/metrics", [this](const rpc::Request&, const std::string&, rpc::Reply reply) {
    reply(rpc::Response{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()});
  });
}

void Api::on_core(rpc::Reply reply, std::function<rpc::Response()> query) {
  asio::post(core_, [reply = std::move(reply), query = std::move(query)] {
    try {
      reply(query());
    } catch (const std::exception& e) {
      reply(rpc::error(500, "internal", e.what()));
    }
  });
}

json::object job_list(std::vector<pb::Job> jobs, size_t limit) {
  std::map<std::string, uint64_t> counts;
  for (const auto& j : jobs) ++counts[pb::JobStatus_Name(j.status())];
  const size_t shown = std::min(limit, jobs.size());
  std::partial_sort(jobs.begin(), jobs.begin() + ptrdiff_t(shown), jobs.end(), [](const pb::Job& a, const pb::Job& b) {
    if (a.requested_height() != b.requested_height()) return a.requested_height() > b.requested_height();
    return a.job_id() > b.job_id();
  });
  json::array out;
  for (size_t i = 0; i < shown; ++i) {
    json::object o = job_json(jobs[i]);
    for (const char* heavy : {"input", "output", "target"}) o.erase(heavy);
    out.push_back(std::move(o));
  }
  return json::object{{"total", jobs.size()}, {"counts", json::value_from(counts)}, {"jobs", std::move(out)}};
}

Result<Bytes> tx_from_body(std::string_view body) {
  const auto start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return fail("empty tx");
  if (body[start] != '{') return Bytes(body.begin(), body.end());  // raw bytes: a TxEnvelope starts 0x0a
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("tx") || !v.at("tx").is_string())
    return fail("the body must be {\"tx\": \"HEX\"} or the raw tx bytes");
  const json::string& hex = v.at("tx").as_string();
  auto b = from_hex(std::string_view(hex.data(), hex.size()));
  if (!b) return fail(b.error(), "tx: ");
  if (b->empty()) return fail("empty tx");
  return b;
}

void Api::submit(const rpc::Request& req, rpc::Reply reply) {
  std::string mode = req.query.contains("mode") ? req.query.at("mode") : "sync";
  if (mode != "async" && mode != "sync" && mode != "commit") return reply(bad("mode must be async, sync or commit"));
  uint64_t timeout_ms = 30000;
  if (auto t = req.query.find("timeout_ms"); t != req.query.end()) {
    auto ms = parse_uint(t->second, 7);
    if (!ms) return reply(bad("timeout_ms must be a number of milliseconds below 10^7"));
    timeout_ms = *ms;
  }
  auto parsed = tx_from_body(req.body);
  if (!parsed) return reply(bad(parsed.error().message));
  Bytes raw = std::move(*parsed);
  const Hash32 id = ledger::tx_id(raw);
  const auto busy = [&] {
    reply(rpc::error(503, "busy", "the node is checking as many txs as it will hold (mempool.max_checking); retry shortly"));
  };
  if (mode == "async") {
    if (!txs_.submit(std::move(raw), std::nullopt)) return busy();
    return reply(rpc::json(json::serialize(json::object{{"tx_id", id.hex()}, {"status", "received"}}), 202));
  }
  const bool taken = txs_.submit(std::move(raw), std::nullopt, [this, reply, mode, timeout_ms](Submitted s) {
    if (s.rejected)
      return reply(rpc::error(400, pb::TxCode_Name(s.rejected->code), s.rejected->reason));
    if (!s.pool->accepted() && s.pool->verdict != mempool::Verdict::kDuplicate) {
      unsigned status = s.pool->verdict == mempool::Verdict::kFull ? 503 : 409;
      return reply(rpc::error(status, mempool::verdict_name(s.pool->verdict), s.pool->reason));
    }
    if (mode == "sync")
      return reply(ok(json::object{{"tx_id", s.id.hex()}, {"status", "pending"},
                                   {"mempool", std::string(mempool::verdict_name(s.pool->verdict))}}));
    txs_.wait_for_commit(s.id, timeout_ms, [reply, id = s.id](std::optional<std::pair<pb::Receipt, uint64_t>> r) {
      if (!r) return reply(rpc::error(504, "timeout", "tx " + id.hex() + " was not committed in time; it may still be"));
      reply(ok(json::object{{"tx_id", id.hex()}, {"status", "committed"}, {"height", r->second},
                            {"receipt", proto_json(r->first)}}));
    });
  });
  if (!taken) busy();
}

void Api::publish_commit(const chain::Applied& a) {
  server_.publish("blocks", json::serialize(block_summary(a.block, a.hash)));
  for (int i = 0; i < a.block.txs_size(); ++i) {
    pb::TxBody scratch;
    const chain::AppliedTx tx = chain::applied_tx(a, size_t(i), scratch);
    if (!tx.body && !tx.sender) continue;
    json::object t{{"tx_id", a.tx_ids[size_t(i)].hex()}, {"height", a.block.header().height()},
                   {"receipt", proto_json(a.results.receipts(i))}};
    const std::string data = json::serialize(t);
    std::set<std::string> accounts;
    if (tx.sender) accounts.insert(tx.sender->str());
    if (const pb::TxBody* body = tx.body) {
      if (body->has_transfer())
        if (auto to = Address::from_bytes(as_bytes(body->transfer().to()))) accounts.insert(to->str());
      const std::string* job = body->has_inference_result() ? &body->inference_result().job_id()
                               : body->has_train_result()   ? &body->train_result().job_id()
                               : body->has_challenge()      ? &body->challenge().job_id()
                                                            : nullptr;
      if (job) server_.publish("job:" + to_hex(as_bytes(*job)), data);
      if (body->has_inference_request() || body->has_train_request())
        server_.publish("job:" + a.tx_ids[size_t(i)].hex(), data);
    }
    for (const auto& acc : accounts) server_.publish("account:" + acc, data);
  }
}

}  // namespace ghost::daemon
