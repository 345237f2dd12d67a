#include "node/chain/driver.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "consensus/bft/commit.h"
#include "consensus/bft/proposer.h"
#include "node/log/log.h"
#include "proto/decode.h"

namespace ghost::chain {

using namespace bft;
namespace asio = boost::asio;

namespace {
template <class... F>
struct overloaded : F... {
  using F::operator()...;
};

std::string short_hex(const Hash32& h) { return h.hex().substr(0, 12); }

constexpr uint64_t kMaxResponseBytes = 8u << 20;  // well under p2p.max_frame_bytes
constexpr uint32_t kMaxResponseBlocks = 64;
}  // namespace

Driver::Driver(asio::io_context& core, asio::thread_pool& work, Chain& chain, Peers& peers, DurableStore& durable,
               std::optional<PrivateKey> validator_key, std::shared_ptr<SigCache> cache, DriverConfig config,
               Events events, metrics::Registry& m)
    : core_(core),
      work_(work),
      chain_(chain),
      peers_(peers),
      durable_(durable),
      key_(std::move(validator_key)),
      cache_(std::move(cache)),
      config_(std::move(config)),
      events_(std::move(events)),
      sync_(config_.sync_batch, config_.sync_timeout_ms),
      alive_(std::make_shared<bool>(true)),
      m_height_(m.gauge("ghost_height", "Height of the newest committed block")),
      m_round_(m.gauge("ghost_round", "Consensus round at the current height")),
      m_interval_(m.histogram("ghost_block_interval_seconds", "Time between committed blocks",
                              {0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30})),
      m_txs_(m.counter("ghost_txs_committed_total", "Transactions in committed blocks")),
      m_blocks_synced_(m.counter("ghost_blocks_synced_total", "Blocks taken from peers by block sync")),
      m_invalid_blocks_(m.counter("ghost_invalid_blocks_total", "Proposed blocks that failed the checks")) {}

Driver::~Driver() { stop(); }

uint64_t Driver::now_ms() const {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

Result<void> Driver::start() {
  const std::string& chain_id = chain_.genesis().chain_id();
  if (key_) {
    auto s = Signer::open(*key_, chain_id, durable_, "signer");
    if (!s) return fail(s.error(), "signer: ");
    signer_.emplace(std::move(*s));
  }
  WalReplay replay;
  auto w = Wal::open(durable_, "wal", &replay);
  if (!w) return fail(w.error(), "consensus WAL: ");
  wal_.emplace(std::move(*w));
  if (signer_) signer_->set_before_sign([this] { return wal_->sync(); });
  if (replay.dropped_torn_tail) log::warn("consensus", "dropped a torn last WAL record (a crash mid-write)");

  EngineConfig ec;
  ec.chain_id = chain_id;
  ec.timeouts = config_.timeouts;
  engine_ = std::make_unique<Engine>(ec, chain_, signer_ ? &*signer_ : nullptr, cache_.get());
  last_progress_ms_ = last_commit_ms_ = now_ms();
  carry_out(engine_->start(chain_.height() + 1));
  const PublicKey* me = key_ ? &key_->public_key() : nullptr;
  for (const auto& in : replay.inputs) {
    carry_out(engine_->step(in));
    // The signer re-signs only its last position: earlier own messages come back from the WAL.
    pb::Envelope env;
    if (auto* v = std::get_if<pb::SignedVote>(&in); v && me && same_bytes(me->bytes, v->vote().validator()))
      *env.mutable_vote() = *v;
    else if (auto* p = std::get_if<pb::SignedProposal>(&in); p && me && same_bytes(me->bytes, p->proposal().proposer()))
      *env.mutable_proposal() = *p;
    if (env.payload_case() != pb::Envelope::PAYLOAD_NOT_SET) release(env);
  }
  if (!replay.inputs.empty())
    log::info("consensus", "replayed the WAL", {{"inputs", replay.inputs.size()}, {"height", engine_->height()}});
  height_ = engine_->height();
  every(config_.resend_ms, [this] { resend(); });
  every(config_.status_ms, [this] {
    tell_status();
    maybe_sync();
  });
  return {};
}

void Driver::stop() {
  if (stopped_) return;
  stopped_ = true;
  *alive_ = false;
  for (auto& t : timers_) t.cancel();
  for (auto& p : periodic_) p.timer.cancel();
}

void Driver::fatal(const Error& e) {
  if (stopped_) return;
  log::error("consensus", "cannot go on: " + e.message);
  stop();
  if (events_.on_fatal) events_.on_fatal(e);
}

void Driver::every(uint64_t ms, std::function<void()> fn) {
  arm(periodic_.emplace_back(Periodic{asio::steady_timer(core_), ms, std::move(fn)}));
}

void Driver::arm(Periodic& p) {
  p.timer.expires_after(std::chrono::milliseconds(p.ms));
  p.timer.async_wait([this, &p, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    p.fn();
    if (*alive) arm(p);
  });
}

void Driver::schedule(const ScheduleTimeout& st) {
  auto it = timers_.emplace(timers_.end(), core_);
  it->expires_after(std::chrono::milliseconds(st.delay_ms));
  it->async_wait([this, it, alive = alive_, ev = st.event](const boost::system::error_code& ec) {
    if (!*alive) return;
    timers_.erase(it);
    if (!ec) feed(ev, true);
  });
}

void Driver::feed(const Input& input, bool log_it) {
  if (stopped_) return;
  if (log_it)
    if (auto r = wal_->write(input); !r) return fatal(r.error());
  carry_out(engine_->step(input));
  if (!stopped_) {
    height_ = engine_->height();
    m_round_.set(engine_->round());
  }
}

void Driver::carry_out(std::vector<Output> outs) {
  for (auto& o : outs) {
    if (stopped_) return;
    std::visit(overloaded{
                   [&](BroadcastProposal& p) {
                     if (auto r = wal_->write_sync(p.proposal); !r) return fatal(r.error());
                     pb::Envelope env;
                     *env.mutable_proposal() = std::move(p.proposal);
                     own_.push_back(env);
                     release(env);
                   },
                   [&](BroadcastVote& v) {
                     if (auto r = wal_->write_sync(v.vote); !r) return fatal(r.error());
                     pb::Envelope env;
                     *env.mutable_vote() = v.vote;
                     own_.push_back(env);
                     release(env);
                     if (config_.equivocate) equivocate(v.vote);
                   },
                   [&](ScheduleTimeout& t) { schedule(t); },
                   [&](ValidateBlock& vb) { check_async(vb); },
                   [&](Decision& d) { decided(d); },
                   [&](EvidenceFound& e) {
                     log::warn("consensus", "duplicate votes seen: evidence of double signing",
                               {{"validator", to_hex(as_bytes(e.evidence.vote_a().vote().validator()))},
                                {"height", e.evidence.vote_a().vote().height()}});
                     if (events_.on_evidence) events_.on_evidence(e.evidence);
                   },
               },
               o);
  }
}

// Sends an own message, then hands it back to the engine, which counts its own messages when
// they return like anyone's. Not logged again: write_sync logged it before it left.
void Driver::release(const pb::Envelope& env) {
  peers_.broadcast(env);
  asio::post(core_, [this, alive = alive_, env] {
    if (!*alive) return;
    if (env.has_vote()) feed(env.vote(), false);
    else feed(env.proposal(), false);
  });
}

// TEST ONLY (genesis test_modes): a validly signed vote for another value at the same
// position, sent beside the real one, bypassing the signer that exists to prevent exactly this.
void Driver::equivocate(const pb::SignedVote& sv) {
  pb::Vote twin = sv.vote();
  if (twin.block_hash().empty()) {
    Hash32 other = sha256(pb::encode(twin));
    twin.set_block_hash(other.data(), 32);
  } else {
    twin.clear_block_hash();
  }
  Signature s = key_->sign(SignDomain::kVote, chain_.genesis().chain_id(), pb::encode(twin));
  pb::Envelope env;
  *env.mutable_vote()->mutable_vote() = twin;
  env.mutable_vote()->set_signature(s.bytes.data(), 64);
  peers_.broadcast(env);
}

void Driver::check_async(const ValidateBlock& vb) {
  auto ctx = std::make_shared<BlockContext>(chain_.context());
  auto block = std::make_shared<pb::Block>(vb.block);
  ledger::TxChecker checker = chain_.ledger().checker();
  asio::post(work_, [this, alive = alive_, ctx, block, checker, h = vb.height, hash = vb.block_hash] {
    auto r = check_block(*block, *ctx, checker, now_ms(), 0);
    asio::post(core_, [this, alive, r, h, hash] {
      if (!*alive) return;
      if (!r) {
        m_invalid_blocks_.inc();
        log::warn("consensus", "proposed block is invalid: " + r.error().message,
                  {{"height", h}, {"hash", short_hex(hash)}});
        // Faults that do not depend on this node's state or clock prove the proposer wrong.
        if (auto from = proposal_from_.find(hash);
            from != proposal_from_.end() && r.error().code != Errc::kMismatch)
          peers_.punish(from->second, Fault::kInvalidBlock, r.error().message);
      }
      feed(BlockValidated{h, hash, r.has_value()}, true);
    });
  });
}

void Driver::decided(const Decision& d) {
  auto applied = chain_.apply(d.block, d.commit);
  if (!applied) return fatal(applied.error());
  if (auto r = wal_->end_height(d.height); !r) return fatal(r.error());
  own_.clear();
  proposal_from_.clear();
  const uint64_t now = now_ms();
  const uint64_t interval = now - last_commit_ms_;
  last_commit_ms_ = last_progress_ms_ = now;
  m_height_.set(double(d.height));
  m_interval_.observe(double(interval) / 1000);
  m_txs_.inc(uint64_t(d.block.txs_size()));
  log::info("consensus", "committed block",
            {{"height", d.height}, {"round", d.commit.round()}, {"txs", d.block.txs_size()},
             {"hash", short_hex(applied->hash)}, {"interval_ms", interval},
             {"app_hash", to_hex(as_bytes(applied->results.app_hash())).substr(0, 12)}});
  if (events_.on_commit) events_.on_commit(*applied);
}

void Driver::on_message(const PublicKey& from, const pb::Envelope& env) {
  if (stopped_) return;
  switch (env.payload_case()) {
    case pb::Envelope::kProposal: return on_proposal(from, env.proposal());
    case pb::Envelope::kVote: return on_vote(from, env.vote());
    case pb::Envelope::kStatus:
      sync_.peer_height(from, env.status().height());
      return maybe_sync();
    case pb::Envelope::kBlockRequest: return on_block_request(from, env.block_request());
    case pb::Envelope::kBlockResponse: return on_block_response(from, env.block_response());
    default: return;
  }
}

void Driver::on_proposal(const PublicKey& from, const pb::SignedProposal& p) {
  const uint64_t h = p.proposal().height();
  if (h == engine_->height()) {
    // The engine drops rounds this far ahead anyway; finding their proposer costs a step per
    // round, so a peer's round number must not decide how long this thread works.
    if (p.proposal().round() > uint64_t(engine_->round()) + EngineConfig{}.max_rounds_ahead) return;
    const ValidatorSet& set = chain_.validators(h);
    if (auto v = verify_proposal(p, set, proposer_for_round(set, p.proposal().round()), chain_.genesis().chain_id(),
                                 cache_.get());
        !v)
      return peers_.punish(from, Fault::kBadSignature, "proposal: " + v.error().message);
    if (!same_bytes(header_hash(p.block().header()).bytes, p.proposal().block_hash()))
      return peers_.punish(from, Fault::kInvalidBlock, "proposal's block does not hash to its block_hash");
  } else if (h != engine_->height() + 1) {
    return;
  }
  if (p.proposal().block_hash().size() == 32)
    proposal_from_.emplace(Hash32::from_span(as_bytes(p.proposal().block_hash())), from);
  feed(p, true);
}

void Driver::on_vote(const PublicKey& from, const pb::SignedVote& v) {
  const uint64_t h = v.vote().height();
  if (h == engine_->height()) {
    if (auto r = verify_vote(v, chain_.validators(h), chain_.genesis().chain_id(), cache_.get()); !r)
      return peers_.punish(from, Fault::kBadSignature, "vote: " + r.error().message);
    pb::Envelope env;
    *env.mutable_vote() = v;
    peers_.broadcast(env, from);  // votes are small: relay so partly connected nodes hear everyone
  } else if (h != engine_->height() + 1) {
    return;
  }
  feed(v, true);
}

void Driver::on_block_request(const PublicKey& from, const pb::BlockRequest& req) {
  if (req.from_height() == 0) return peers_.punish(from, Fault::kProtocol, "block request from height 0");
  pb::Envelope env;
  auto* resp = env.mutable_block_response();
  uint64_t bytes = 0;
  const uint64_t last = std::min(chain_.height(), req.from_height() + std::min(req.max_blocks(), kMaxResponseBlocks) - 1);
  for (uint64_t h = req.from_height(); h <= last && bytes < kMaxResponseBytes; ++h) {
    auto bc = chain_.block_with_commit(h);
    if (!bc) break;
    bytes += bc->first.ByteSizeLong() + bc->second.ByteSizeLong();
    if (bytes > kMaxResponseBytes && resp->blocks_size() > 0) break;
    *resp->add_blocks() = std::move(bc->first);
    *resp->add_commits() = std::move(bc->second);
  }
  peers_.send(from, std::move(env));
}

void Driver::on_block_response(const PublicKey& from, const pb::BlockResponse& resp) {
  if (!sync_.answered(from)) return;  // nobody asked this peer
  if (resp.blocks_size() != resp.commits_size())
    return peers_.punish(from, Fault::kProtocol, "block response with unpaired blocks and commits");
  for (int i = 0; i < resp.blocks_size() && !stopped_; ++i) {
    const pb::Block& b = resp.blocks(i);
    const pb::Commit& c = resp.commits(i);
    const uint64_t h = b.header().height();
    if (h <= chain_.height()) continue;
    if (h == engine_->height()) {
      if (auto v = verify_commit(c, chain_.validators(h), chain_.genesis().chain_id(), cache_.get()); !v)
        return peers_.punish(from, Fault::kInvalidBlock, "synced block " + std::to_string(h) + ": " + v.error().message);
      if (!same_bytes(header_hash(b.header()).bytes, c.block_hash()))
        return peers_.punish(from, Fault::kInvalidBlock, "synced block does not match its commit");
    }
    m_blocks_synced_.inc();
    // Not logged: a synced block carries its own proof, and replaying it after a crash is
    // not needed for safety (it produces no signature); the WAL would double the sync's writes.
    feed(SyncedBlock{b, c}, false);
  }
  maybe_sync();
}

void Driver::on_peer(const PublicKey& peer, uint64_t height) {
  sync_.peer_height(peer, height);
  for (const auto& env : own_) peers_.send(peer, env);  // a restarted peer needs this height's messages
  maybe_sync();
}

void Driver::on_peer_gone(const PublicKey& peer) { sync_.peer_gone(peer); }

void Driver::resend() {
  if (stopped_ || !engine_) return;
  const uint32_t from_round = engine_->round() > 0 ? engine_->round() - 1 : 0;
  for (const auto& env : own_) {
    uint32_t r = env.has_vote() ? env.vote().vote().round() : env.proposal().proposal().round();
    if (r >= from_round) peers_.broadcast(env);
  }
  for (const auto& v : engine_->polka_votes()) {
    pb::Envelope env;
    *env.mutable_vote() = v;
    peers_.broadcast(env);
  }
}

void Driver::tell_status() {
  pb::Envelope env;
  env.mutable_status()->set_height(chain_.height());
  peers_.broadcast(env);
}

// Peers two heights ahead mean this node is behind; one ahead is normal for a moment (they
// committed first) but not for long.
void Driver::maybe_sync() {
  if (stopped_) return;
  const uint64_t h = chain_.height(), best = sync_.best_peer_height(), now = now_ms();
  const bool behind = best >= h + 2 || (best >= h + 1 && now > last_progress_ms_ + 3 * config_.status_ms);
  if (!behind) return;
  if (auto req = sync_.next_request(h, now)) {
    pb::Envelope env;
    *env.mutable_block_request() = req->second;
    peers_.send(req->first, std::move(env));
  }
}

}  // namespace ghost::chain
