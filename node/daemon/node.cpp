#include "node/daemon/node.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "base/parallel.h"
#include "consensus/ledger/genesis.h"
#include "node/chain/driver.h"
#include "node/chain/durable_dir.h"
#include "node/daemon/api.h"
#include "node/daemon/commit_metrics.h"
#include "node/daemon/tx_service.h"
#include "node/explorer/explorer.h"
#include "node/log/log.h"
#include "node/p2p/frame.h"
#include "node/spotcheck/spot_checker.h"
#include "node/worker/worker.h"
#include "proto/decode.h"

namespace ghost::daemon {

namespace asio = boost::asio;

namespace {

uint64_t wall_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

// The chain's view of the network.
class NetworkPeers : public chain::Peers {
 public:
  explicit NetworkPeers(p2p::Network& net) : net_(net) {}
  void broadcast(pb::Envelope env, std::optional<PublicKey> except) override {
    net_.broadcast(std::move(env), p2p::Priority::kConsensus, except);
  }
  void send(const PublicKey& peer, pb::Envelope env) override {
    net_.send(peer, std::move(env), p2p::Priority::kConsensus);
  }
  void punish(const PublicKey& peer, chain::Fault fault, std::string reason) override {
    static constexpr p2p::Offence kMap[] = {p2p::Offence::kBadSignature, p2p::Offence::kInvalidBlock,
                                            p2p::Offence::kProtocol};
    net_.report(peer, kMap[size_t(fault)], std::move(reason));
  }

 private:
  p2p::Network& net_;
};

uint64_t best_peer_height(const p2p::Network& net) {
  uint64_t best = 0;
  for (const auto& peer : net.peers()) best = std::max(best, peer.height);
  return best;
}

bft::Timeouts timeouts_of(const pb::Params& p) {
  bft::Timeouts t;
  t.propose_ms = p.timeout_propose_ms();
  t.prevote_ms = p.timeout_prevote_ms();
  t.precommit_ms = p.timeout_precommit_ms();
  t.propose_delta_ms = t.prevote_delta_ms = t.precommit_delta_ms = p.timeout_delta_ms();
  t.commit_ms = p.timeout_commit_ms();
  return t;
}

}  // namespace

struct Node::Parts {
  Home home;
  NodeConfig config;
  StartOptions options;
  std::optional<HomeLock> lock;
  pb::Genesis genesis;
  std::optional<PrivateKey> node_key, validator_key;
  metrics::Registry metrics;
  asio::io_context net_io, core_io;
  asio::thread_pool work{resolve_threads(0)};
  std::shared_ptr<SigCache> cache = std::make_shared<SigCache>();
  std::unique_ptr<mempool::Mempool> mempool;
  std::unique_ptr<chain::Chain> chain;
  std::unique_ptr<chain::DurableDir> durable;
  std::unique_ptr<p2p::Network> net;
  std::unique_ptr<NetworkPeers> peers;
  std::unique_ptr<chain::Driver> driver;
  std::unique_ptr<rpc::Server> rpc;
  std::unique_ptr<TxService> txs;
  std::unique_ptr<Api> api;
  std::unique_ptr<worker::Worker> worker;  // with --worker; its threads stop before the core's objects go
  std::unique_ptr<spotcheck::SpotChecker> spot;  // with --validator and spot_check.model_dirs; likewise
  std::unique_ptr<fetch::FetchService> fetch;  // weight ranges served to peers, and `ghostd fetch-model`
  int exit_code = 0;
};

Node::Node() : p_(std::make_unique<Parts>()) {}

Node::~Node() {
  // Sockets first (no new input), then the driver, then the stores close with their objects.
  if (p_->rpc) p_->rpc->stop();
  if (p_->net) p_->net->stop();
  if (p_->driver) p_->driver->stop();
  if (p_->worker) p_->worker->stop();
  if (p_->spot) p_->spot->stop();
  if (p_->fetch) p_->fetch->stop();
  p_->work.join();
}

Result<std::unique_ptr<Node>> Node::open(const Home& home, NodeConfig config, StartOptions options) {
  std::unique_ptr<Node> node(new Node());
  Parts& p = *node->p_;
  p.home = home;
  p.config = std::move(config);
  p.options = options;
  log::Level level;
  log::Format format;
  log::parse_level(p.config.log.level, level);
  log::parse_format(p.config.log.format, format);
  log::setup(format, level, p.config.log.file);

  auto lock = HomeLock::acquire(home);
  if (!lock) return std::unexpected(lock.error());
  p.lock.emplace(std::move(*lock));
  auto genesis = load_genesis(home);
  if (!genesis) return std::unexpected(genesis.error());
  p.genesis = std::move(*genesis);
  if (p.genesis.chain_id() != p.config.chain_id)
    return fail(Errc::kMismatch, home.genesis().string() + " is for chain " + p.genesis.chain_id() + " but config.toml says " +
                                     p.config.chain_id + " (this home belongs to another chain)");
  if (p.config.consensus.test_equivocate && !p.genesis.test_modes())
    return fail(Errc::kDenied, "consensus.test_equivocate is a test-only mode and this chain's genesis does not allow test modes");
  if (!p.config.worker.cheat.empty() && !p.genesis.test_modes())
    return fail(Errc::kDenied, "worker.cheat is a test-only mode and this chain's genesis does not allow test modes");
  if (p.config.fetch.test_tamper && !p.genesis.test_modes())
    return fail(Errc::kDenied, "fetch.test_tamper is a test-only mode and this chain's genesis does not allow test modes");
  auto node_key = load_home_key(home, p.config.keys, p.config.keys.node_key);
  if (!node_key) return fail(node_key.error(), "node key: ");
  p.node_key = std::move(*node_key);
  if (options.validator) {
    auto vk = load_home_key(home, p.config.keys, p.config.keys.validator_key);
    if (!vk) return fail(vk.error(), "validator key: ");
    p.validator_key = std::move(*vk);
  }

  p.mempool = std::make_unique<mempool::Mempool>(p.config.mempool, p.metrics);
  chain::ChainOptions co;
  co.max_clock_drift_ms = p.config.consensus.max_clock_drift_ms;
  co.max_proposal_bytes = p.config.consensus.max_proposal_bytes;
  co.now_ms = wall_ms;
  std::optional<PublicKey> proposer;
  if (p.validator_key) proposer = p.validator_key->public_key();
  auto chain = chain::Chain::open(home.blocks(), home.state(), p.genesis, p.cache, *p.mempool, proposer, co);
  if (!chain) return std::unexpected(chain.error());
  p.chain = std::move(*chain);
  auto durable = chain::DurableDir::open(home.consensus());
  if (!durable) return std::unexpected(durable.error());
  p.durable = std::move(*durable);

  Parts* parts = &p;
  p2p::Network::Handler handler;
  // Network thread: keep only what may matter now; the core thread decides the rest.
  handler.on_message = [parts](const p2p::PeerId& from, pb::Envelope& env) {
    // Copies the envelope only when it goes to the core (not a 4 MiB leaf range for nothing).
    auto to_core = [parts, &from, &env] {
      asio::post(parts->core_io, [parts, from, env] { parts->driver->on_message(from, env); });
    };
    switch (env.payload_case()) {
      case pb::Envelope::kTx:
        parts->txs->submit(pb::encode(env.tx()), from);  // canonical, so the bytes that were signed
        return true;
      case pb::Envelope::kProposal:
      case pb::Envelope::kVote: {
        const uint64_t h = env.has_vote() ? env.vote().vote().height() : env.proposal().proposal().height();
        const uint64_t at = parts->driver->height();
        if (h != at && h != at + 1) return false;  // maybe wanted later: do not remember it
        to_core();
        return true;
      }
      case pb::Envelope::kLeafRangeRequest:
      case pb::Envelope::kLeafRangeResponse:
        parts->fetch->on_message(from, env);
        return false;  // asked again, answered again
      case pb::Envelope::kStatus:
      case pb::Envelope::kBlockRequest:
      case pb::Envelope::kBlockResponse:
        to_core();
        return false;  // the same bytes may come again with a new meaning
      default:
        return false;
    }
  };
  handler.on_connect = [parts](const p2p::PeerInfo& peer) {
    log::info("p2p", "peer connected", {{"peer", peer.id.hex().substr(0, 12)}, {"address", peer.address}, {"height", peer.height}});
    asio::post(parts->core_io, [parts, peer] {
      parts->driver->on_peer(peer.id, peer.height);
      parts->txs->share_pending(peer.id);
    });
  };
  handler.on_disconnect = [parts](const p2p::PeerId& peer) {
    log::info("p2p", "peer disconnected", {{"peer", peer.hex().substr(0, 12)}});
    parts->fetch->on_peer_gone(peer);
    asio::post(parts->core_io, [parts, peer] { parts->driver->on_peer_gone(peer); });
  };
  p.net = std::make_unique<p2p::Network>(p.net_io, p.config.p2p, *p.node_key, p.genesis.chain_id(),
                                         ledger::genesis_hash(p.genesis), std::move(handler), p.metrics);
  p.peers = std::make_unique<NetworkPeers>(*p.net);
  std::vector<std::filesystem::path> served;
  for (const auto& d : p.config.worker.model_dirs)
    served.push_back(std::filesystem::path(d).is_relative() ? home.root / d : std::filesystem::path(d));
  p.fetch = std::make_unique<fetch::FetchService>(
      fetch::FetchService::Host{p.net.get(), &p.core_io, &p.work, &p.chain->ledger()}, p.config.fetch, served,
      p.config.worker.threads);
  if (p.config.fetch.test_tamper) log::warn("fetch", "TEST MODE: every weight range this node serves has an altered leaf");
  p.txs = std::make_unique<TxService>(p.core_io, p.work, *p.chain, *p.mempool, *p.net, p.validator_key, p.metrics,
                                       p.config.mempool.max_checking);
  if (options.worker) {
    auto wk = load_home_key(home, p.config.keys, p.config.keys.worker_key);
    if (!wk) return fail(wk.error(), "worker key (write one with `ghostd init --worker`): ");
    worker::Host host;
    host.ledger = &p.chain->ledger();
    host.chain_id = p.genesis.chain_id();
    host.submit = [parts](Bytes raw, std::function<void(bool, std::string)> done) {
      return parts->txs->submit(std::move(raw), std::nullopt, [done = std::move(done)](Submitted s) {
        if (s.rejected) return done(false, s.rejected->reason);
        const bool in = s.pool->accepted() || s.pool->verdict == mempool::Verdict::kDuplicate;
        done(in, in ? "" : std::string(mempool::verdict_name(s.pool->verdict)) + ": " + s.pool->reason);
      });
    };
    host.pending = [parts](const Hash32& id) { return parts->mempool->contains(id); };
    host.block_at = [parts](uint64_t h) { return parts->chain->store().block(h); };
    host.peers_height = [parts] { return best_peer_height(*parts->net); };
    host.gossip = [parts](const Bytes& raw) { parts->net->broadcast(p2p::seal_tx(raw), p2p::Priority::kGossip); };
    auto w = worker::Worker::open(p.config.worker, home.root, home.worker(), std::move(*wk), p.core_io, std::move(host),
                                  p.metrics);
    if (!w) return fail(w.error(), "worker: ");
    p.worker = std::move(*w);
    if (!p.config.worker.cheat.empty())
      log::warn("worker", "TEST MODE: this worker answers wrongly on purpose", {{"cheat", p.config.worker.cheat}});
  }

  if (options.validator && p.config.spot_check.enabled && !p.config.spot_check.model_dirs.empty()) {
    spotcheck::Host host;
    host.ledger = &p.chain->ledger();
    host.submit = [parts](pb::TxBody body, std::function<void(std::optional<Hash32>, std::string)> done) {
      parts->txs->submit_own(body, [done = std::move(done)](Submitted s) {
        if (s.ok()) return done(s.id, "");
        done(std::nullopt, s.rejected ? s.rejected->reason
                                      : std::string(mempool::verdict_name(s.pool->verdict)) + ": " + s.pool->reason);
      });
    };
    host.block_at = [parts](uint64_t h) { return parts->chain->store().block(h); };
    host.results_at = [parts](uint64_t h) { return parts->chain->store().results(h); };
    host.self = Address::of(p.validator_key->public_key());
    host.pending = [parts] { return parts->mempool->pending(); };
    auto s = spotcheck::SpotChecker::open(p.config.spot_check, home.root, home.spotcheck(), p.core_io, std::move(host), p.metrics);
    if (!s) return fail(s.error(), "spot-checker: ");
    p.spot = std::move(*s);
  } else if (options.validator && p.config.spot_check.enabled) {
    log::info("spotcheck", "spot-checker off: no spot_check.model_dirs (the folders of the models to check)");
  }

  chain::DriverConfig dc;
  dc.timeouts = timeouts_of(p.genesis.params());
  dc.resend_ms = p.config.consensus.resend_ms;
  dc.status_ms = p.config.consensus.status_ms;
  dc.sync_batch = p.config.consensus.sync_batch;
  dc.sync_timeout_ms = p.config.consensus.sync_timeout_ms;
  dc.equivocate = p.config.consensus.test_equivocate;
  if (dc.equivocate) log::warn("consensus", "TEST MODE: this validator signs conflicting votes on purpose");
  chain::Driver::Events events;
  events.on_commit = [parts](const chain::Applied& a) {
    parts->txs->on_commit(a);
    if (parts->worker) parts->worker->on_commit(a.block, a.results, a.tx_ids);
    if (parts->spot) parts->spot->on_commit(a.block, a.hash, a.results, a.tx_ids);
    count_committed(a, parts->metrics);
    parts->api->publish_commit(a);
    parts->net->set_height(a.block.header().height());
  };
  events.on_evidence = [parts](const pb::Evidence& e) { parts->txs->submit_evidence(e); };
  events.on_fatal = [parts](const Error&) {
    parts->exit_code = 2;
    parts->core_io.stop();
  };
  p.driver = std::make_unique<chain::Driver>(p.core_io, p.work, *p.chain, *p.peers, *p.durable, p.validator_key, p.cache,
                                             dc, std::move(events), p.metrics);

  p.rpc = std::make_unique<rpc::Server>(p.net_io, p.config.rpc, p.metrics);
  NodeFacts facts;
  facts.moniker = p.config.moniker;
  facts.node_key = p.node_key->public_key().hex();
  if (p.validator_key) facts.validator = p.validator_key->public_key();
  facts.peers = [parts] { return parts->net->peers().size(); };
  facts.best_peer_height = [parts] { return best_peer_height(*parts->net); };
  p.api = std::make_unique<Api>(p.core_io, *p.rpc, *p.chain, *p.mempool, *p.txs, p.metrics, std::move(facts));
  explorer::add_routes(*p.rpc);

  if (auto s = p.driver->start(); !s) return std::unexpected(s.error());
  if (p.worker) asio::post(p.core_io, [parts] { parts->worker->start(); });
  if (p.spot) asio::post(p.core_io, [parts] { parts->spot->start(); });
  if (options.fetch)
    p.fetch->fetch(*options.fetch, [parts](Result<void> r) {
      if (r) log::info("fetch", "model folder ready", {{"out", parts->options.fetch->out.string()}});
      else log::error("fetch", "weight fetch failed", {{"reason", r.error().message}});
      parts->exit_code = r ? 0 : 3;
      parts->core_io.stop();
    });
  p.net->set_height(p.chain->height());
  if (auto s = p.net->start(); !s) return fail(s.error(), "p2p: ");
  if (auto s = p.rpc->start(); !s) return fail(s.error(), "rpc: ");
  log::info("node", "started",
            {{"moniker", p.config.moniker}, {"chain_id", p.genesis.chain_id()}, {"height", p.chain->height()},
             {"node_key", p.node_key->public_key().hex()}, {"p2p_port", p.net->listen_port()},
             {"rpc_port", p.rpc->port()}, {"validator", p.validator_key ? p.validator_key->public_key().hex() : "no"}, {"worker", p.worker ? "yes" : "no"}});
  return node;
}

int Node::run() {
  Parts& p = *p_;
  asio::signal_set signals(p.core_io, SIGINT, SIGTERM);
  signals.async_wait([&p](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("node", "stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    p.core_io.stop();  // the handler in progress (and so any write) has finished
  });
  // The operator's partition drill (`ghost testnet isolate|rejoin`): a signal, so it opens no port.
  asio::signal_set drills(p.core_io, SIGUSR1, SIGUSR2);
  std::function<void()> await_drill = [&] {
    drills.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      p.net->set_isolated(sig == SIGUSR1);
      await_drill();
    });
  };
  await_drill();
  auto net_guard = asio::make_work_guard(p.net_io);
  std::thread net_thread([&p] { p.net_io.run(); });
  auto core_guard = asio::make_work_guard(p.core_io);
  p.core_io.run();
  p.rpc->stop();
  p.net->stop();
  p.driver->stop();
  if (p.worker) p.worker->stop();
  if (p.spot) p.spot->stop();
  p.fetch->stop();
  net_guard.reset();
  p.net_io.stop();
  net_thread.join();
  p.work.join();
  log::info("node", "stopped", {{"height", p.chain->height()}});
  return p.exit_code;
}

}  // namespace ghost::daemon
