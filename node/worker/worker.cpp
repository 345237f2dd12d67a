#include "node/worker/worker.h"

#include <boost/asio/post.hpp>

#include "consensus/ledger/params.h"
#include "consensus/ledger/tx.h"
#include "node/log/log.h"
#include "proto/decode.h"

namespace ghost::worker {

namespace asio = boost::asio;

namespace {

constexpr int kMaxAttempts = 3;  // signings of one answer the mempool may refuse or drop
constexpr uint64_t kRegossipBlocks = 4;  // an own tx pending this long is sent to the peers again

const char* kind_name(pb::JobKind k) { return k == pb::TRAINING ? "training" : "inference"; }
Hash32 hash_of(const std::string& s) { return Hash32::from_span(as_bytes(s)); }

std::optional<pb::TxEnvelope> envelope_of(ByteSpan raw) {
  pb::TxEnvelope env;
  if (!pb::decode(raw, env)) return std::nullopt;
  return env;
}

}  // namespace

Worker::Worker(const WorkerConfig& config, PrivateKey key, asio::io_context& core, Host host,
               metrics::Registry& metrics)
    : config_(config),
      cheat_(parse_cheat(config.cheat).value_or(Cheat::none)),  // validated by open
      key_(std::move(key)),
      me_(Address::of(key_.public_key())),
      core_(core),
      host_(std::move(host)),
      metrics_(metrics),
      pool_(config.threads),
      serial_(asio::make_strand(pool_)),
      m_queue_(metrics.gauge("ghost_worker_queue_depth", "Jobs waiting for or on a worker thread")),
      m_latency_(metrics.histogram("ghost_worker_answer_seconds",
                                   "From a job seen in a committed block to its result committed",
                                   {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60})),
      m_steps_(metrics.counter("ghost_worker_steps_applied_total", "Accepted training steps applied to served weights")),
      m_rollbacks_(metrics.counter("ghost_worker_rollbacks_total",
                                   "Served weights returned to an older version after a proven fraud in a training step")) {}

Worker::~Worker() { stop(); }

Result<std::unique_ptr<Worker>> Worker::open(const WorkerConfig& config, const std::filesystem::path& home,
                                             const std::filesystem::path& data_dir, PrivateKey key,
                                             asio::io_context& core, Host host, metrics::Registry& metrics) {
  if (auto ok = validate_worker_config(config); !ok) return std::unexpected(ok.error());
  if (config.model_dirs.empty())
    return fail("a worker needs model folders: set worker.model_dirs (or --worker.model_dirs DIR,...)");
  std::unique_ptr<Worker> w(new Worker(config, std::move(key), core, std::move(host), metrics));
  auto log = AnswerLog::open(data_dir);
  if (!log) return std::unexpected(log.error());
  w->log_ = std::move(*log);
  w->home_ = home;
  if (!w->host_.ledger->stake(pb::WORKER, w->me_)) {
    // Staked by a tx this node has not synced yet, most likely: serve once the stake shows.
    log::warn("worker", "this worker key has no worker stake yet: waiting for it (the node may still be syncing)",
              {{"address", w->me_.str()}, {"height", w->host_.ledger->height()}});
    w->waiting_for_stake_ = true;
    return w;
  }
  if (auto ok = w->open_folders(); !ok) return std::unexpected(ok.error());
  return w;
}

Result<void> Worker::open_folders() {
  for (const auto& d : config_.model_dirs) {
    std::filesystem::path dir = d;
    if (dir.is_relative()) dir = home_ / dir;
    auto s = ServedModel::open(dir, *host_.ledger, me_, config_.threads, host_.block_at);
    if (!s) {
      log::warn("worker", "model folder refused", {{"folder", dir.string()}, {"reason", s.error().message}});
      continue;
    }
    const Hash32 id = (*s)->model_id();
    if (auto caught_up = catch_up(**s); !caught_up) {
      log::warn("worker", "model folder refused", {{"folder", dir.string()}, {"reason", caught_up.error().message}});
      continue;
    }
    if (served_.contains(id)) {
      log::warn("worker", "model folder refused", {{"folder", dir.string()}, {"reason", "another folder serves model " + id.hex()}});
      continue;
    }
    log::info("worker", "serving model", {{"folder", dir.string()}, {"model", id.hex()}, {"version", (*s)->version()}});
    served_[id] = std::move(*s);
  }
  if (served_.empty())
    return fail(Errc::kMismatch, "no model folder matches a model this worker serves on the chain (see the log above)");
  metrics_.gauge("ghost_worker_models_served", "Models this worker serves").set(double(served_.size()));
  const uint32_t capacity = ledger::worker_capacity(*host_.ledger->stake(pb::WORKER, me_));
  if (capacity > config_.queue)
    log::warn("worker", "the chain may assign more jobs at once than worker.queue holds: raise worker.queue or "
                        "lower the stake's --capacity, or jobs beyond the queue are dropped and cost a miss penalty",
              {{"capacity", uint64_t(capacity)}, {"queue", uint64_t(config_.queue)}});
  log::info("worker", "worker ready", {{"address", me_.str()}, {"models", uint64_t(served_.size())},
                                        {"threads", uint64_t(config_.threads)}, {"queue", uint64_t(config_.queue)},
                                        {"capacity", uint64_t(capacity)}});
  return {};
}

Result<void> Worker::catch_up(ServedModel& model) {
  const uint64_t from = model.version();
  auto applied = model.catch_up(*host_.ledger, host_.block_at);
  if (!applied) return std::unexpected(applied.error());
  m_steps_.inc(*applied);
  if (*applied > 0)
    log::info("worker", "model folder caught up with the chain's training steps",
              {{"folder", model.dir().string()}, {"from_version", from}, {"version", model.version()}});
  return {};
}

void Worker::stop() {
  if (stopped_) return;
  stopped_ = true;
  pool_.stop();
  pool_.join();
}

void Worker::count(pb::JobKind kind, const char* outcome) {
  metrics_.counter("ghost_worker_jobs_total", "Jobs of this worker, by kind and outcome",
                   {{"kind", kind_name(kind)}, {"outcome", outcome}})
      .inc();
}

void Worker::count_failure(const char* reason) {
  metrics_.counter("ghost_worker_failures_total", "Jobs this worker could not answer, by reason", {{"reason", reason}}).inc();
}

bool Worker::still_mine(const Hash32& job) const {
  auto j = host_.ledger->job(job);
  return j && j->status() == pb::ASSIGNED && j->worker() == std::string(me_.bytes.begin(), me_.bytes.end());
}

uint64_t Worker::next_nonce() const {
  std::set<uint64_t> used;
  for (const auto& [id, o] : own_) used.insert(o.nonce);
  uint64_t n = host_.ledger->account(me_).nonce();
  while (used.contains(n)) ++n;
  return n;
}

void Worker::start() {
  if (waiting_for_stake_) return;  // on_commit starts it once the stake shows
  const ledger::Ledger& ledger = *host_.ledger;
  for (const auto& [job, raw] : log_->all())
    if (!still_mine(job)) (void)log_->forget(job);  // closed while we were down
  // Logged answers first, in nonce order, so the new answers' nonces follow theirs.
  std::vector<std::pair<uint64_t, pb::Job>> logged;
  std::vector<pb::Job> fresh;
  for (auto& j : open_jobs(ledger, me_)) {
    if (auto raw = log_->answer(hash_of(j.job_id()))) {
      auto env = envelope_of(*raw);
      logged.emplace_back(env ? env->nonce() : 0, std::move(j));
    } else {
      fresh.push_back(std::move(j));
    }
  }
  std::ranges::sort(logged, {}, [](const auto& p) { return p.first; });
  for (auto& [nonce, j] : logged) resume(j, *log_->answer(hash_of(j.job_id())));
  for (const auto& j : fresh) enqueue(j);
  log::info("worker", "recovered open jobs",
            {{"resubmitted", uint64_t(logged.size())}, {"to_answer", uint64_t(fresh.size())}});
}

// A job with a logged answer gets that answer again, never a second one.
void Worker::resume(const pb::Job& job, Bytes raw) {
  const Hash32 id = hash_of(job.job_id());
  mark_busy(job);
  auto env = envelope_of(raw);
  pb::TxBody body;
  if (!env || !pb::decode(as_bytes(env->body()), body)) {
    log::error("worker", "unreadable answer log record: the job is left to expire", {{"job", id.hex()}});
    count_failure("log_corrupt");
    return;
  }
  if (env->nonce() < host_.ledger->account(me_).nonce()) {
    // Its nonce was used by a block, so the logged answer was committed and refused there.
    log::warn("worker", "the logged answer was refused on chain; not answering again", {{"job", id.hex()}});
    return;
  }
  count(job.kind(), "resubmitted");
  if (env->nonce() == next_nonce()) submit(std::move(raw), id, job.kind(), env->nonce(), 1);
  else send(id, job.kind(), body, 1);  // a gap below it: the same answer under the next nonce
}

void Worker::enqueue(const pb::Job& job) {
  const Hash32 id = hash_of(job.job_id());
  if (busy_.contains(id)) return;
  if (auto raw = log_->answer(id)) return resume(job, std::move(*raw));
  if (host_.peers_height && job.deadline() <= host_.peers_height()) {
    count(job.kind(), "late");
    return;
  }
  auto served = served_.find(hash_of(job.model_id()));
  if (served == served_.end()) {
    log::warn("worker", "job for a model this node does not serve", {{"job", id.hex()}, {"model", to_hex(as_bytes(job.model_id()))}});
    count(job.kind(), "failed");
    count_failure("model_not_served");
    return;
  }
  if (cheat_ == Cheat::silence && job.kind() == pb::INFERENCE) {
    log::warn("worker", "TEST MODE silence: not answering", {{"job", id.hex()}});
    return;
  }
  if (queued_ >= config_.queue) {
    count(job.kind(), "dropped");
    count_failure("queue_full");
    return;
  }
  ++queued_;
  m_queue_.set(double(queued_));
  mark_busy(job);
  const ServedModel* model = served->second.get();
  auto task = [this, model, job] {
    auto body = cheat_ == Cheat::none ? answer_job(*model, job) : cheat_answer(cheat_, *model, job);
    asio::post(core_, [this, job, body = std::move(body)]() mutable { on_answer(job, std::move(body)); });
  };
  // Training starts from the newest version, so it waits behind the steps still being applied.
  if (job.kind() == pb::TRAINING) asio::post(serial_, std::move(task));
  else asio::post(pool_, std::move(task));
}

void Worker::on_answer(const pb::Job& job, std::expected<pb::TxBody, AnswerError> body) {
  --queued_;
  m_queue_.set(double(queued_));
  const Hash32 id = hash_of(job.job_id());
  if (!body) {
    log::warn("worker", "could not answer a job", {{"job", id.hex()}, {"reason", body.error().message}});
    count(job.kind(), "failed");
    count_failure(refusal_name(body.error().why));
    busy_.erase(id);
    return;
  }
  if (!still_mine(id)) {  // its deadline passed while it waited
    count(job.kind(), "late");
    busy_.erase(id);
    return;
  }
  count(job.kind(), "answered");
  send(id, job.kind(), *body, 1);
}

// Signs the answer under the next free nonce, logs it, then submits it.
void Worker::send(const Hash32& job, pb::JobKind kind, const pb::TxBody& body, int attempts) {
  const uint64_t nonce = next_nonce();
  Bytes raw = ledger::encode_tx(key_, host_.chain_id, nonce, body, host_.ledger->params());
  if (auto ok = log_->record(job, raw); !ok) {
    log::error("worker", "cannot write the answer log: not submitting", {{"job", job.hex()}, {"error", ok.error().message}});
    count_failure("log_write");
    return;
  }
  log::info("worker", "answer signed", {{"job", job.hex()}, {"nonce", nonce}, {"attempt", attempts}});
  submit(std::move(raw), job, kind, nonce, attempts);
}

// The logged answer of a tx that did not reach a block, signed again under a new nonce.
void Worker::resend(const Own& o) {
  if (o.attempts >= kMaxAttempts || !still_mine(o.job)) return;
  auto raw = log_->answer(o.job);
  auto env = raw ? envelope_of(*raw) : std::nullopt;
  pb::TxBody body;
  if (env && pb::decode(as_bytes(env->body()), body)) send(o.job, o.kind, body, o.attempts + 1);
}

void Worker::submit(Bytes raw, const Hash32& job, pb::JobKind kind, uint64_t nonce, int attempts) {
  const Hash32 tx = ledger::tx_id(raw);
  own_[tx] = Own{job, kind, nonce, false, attempts, raw, host_.ledger->height()};
  auto refused = [this, tx](std::string reason) {
    auto it = own_.find(tx);
    if (it == own_.end()) return;
    Own o = it->second;
    own_.erase(it);
    log::warn("worker", "result tx refused by the node", {{"job", o.job.hex()}, {"reason", reason}, {"attempt", o.attempts}});
    count_failure("submit_refused");
    resend(o);
  };
  const bool taken = host_.submit(std::move(raw), [this, tx, refused](bool accepted, std::string reason) {
    if (!accepted) return refused(std::move(reason));
    if (auto it = own_.find(tx); it != own_.end()) it->second.admitted = true;
  });
  if (!taken) refused("shed at intake (node busy)");
}

void Worker::apply_changes(const BlockNews& news) {
  for (const auto& change : news.changes) {
    const auto* step = std::get_if<CommittedStep>(&change);
    const Hash32& id = step ? step->from.model_id : std::get<RollBack>(change).model_id;
    auto it = served_.find(id);
    if (it == served_.end()) continue;
    ServedModel* model = it->second.get();
    // Read here, where the ledger is owned, for a folder that never kept the rollback's version.
    DiscardedResults discarded = step ? DiscardedResults{} : discarded_results(*host_.ledger, id, host_.block_at);
    asio::post(serial_, [this, model, change, discarded = std::move(discarded)] {
      const auto* step = std::get_if<CommittedStep>(&change);
      auto ok = step ? model->apply(*step) : model->roll_back(std::get<RollBack>(change).to, discarded);
      const uint64_t version = model->version();
      asio::post(core_, [this, model, ok, step = step != nullptr, version] {
        if (ok) {
          (step ? m_steps_ : m_rollbacks_).inc();
          log::info("worker", step ? "applied a training step" : "rolled back to the version a proven fraud returned to",
                    {{"model", model->model_id().hex()}, {"version", version}});
        } else {
          count_failure(step ? "apply_step" : "roll_back");
          log::error("worker", step ? "cannot apply an accepted training step: this model's answers will be refused on chain"
                                    : "cannot roll back a discarded training step: this model's answers will be refused on chain",
                     {{"model", model->model_id().hex()}, {"version", version}, {"reason", ok.error().message}});
        }
      });
    });
  }
}

void Worker::on_commit(const pb::Block& block, const pb::BlockResults& results, const std::vector<Hash32>& tx_ids) {
  const ledger::Ledger& ledger = *host_.ledger;
  if (waiting_for_stake_) {
    if (!ledger.stake(pb::WORKER, me_)) return;
    waiting_for_stake_ = false;
    if (auto ok = open_folders(); !ok) {
      log::error("worker", "the stake showed, but this worker serves nothing", {{"reason", ok.error().message}});
      return;
    }
    start();  // the state already holds this block's jobs
    return;
  }
  // Our results in this block: accepted or refused on chain.
  std::vector<Hash32> retrain;
  for (size_t i = 0; i < tx_ids.size(); ++i) {
    auto it = own_.find(tx_ids[i]);
    if (it == own_.end()) continue;
    const Own o = it->second;
    own_.erase(it);
    const auto& receipt = results.receipts(int(i));
    if (receipt.status() == pb::OK) {
      count(o.kind, "accepted");
      if (auto b = busy_.find(o.job); b != busy_.end())
        m_latency_.observe(std::chrono::duration<double>(Clock::now() - b->second.since).count());
    } else {
      count(o.kind, "refused");
      count_failure(pb::TxCode_Name(receipt.status()).c_str());
      log::warn("worker", "result refused on chain", {{"job", o.job.hex()}, {"code", pb::TxCode_Name(receipt.status())},
                                                       {"reason", receipt.reason()}});
      // A step computed from a version the chain left (another step came first, or a proven
      // fraud rolled it back) is answered again from the current one while the job is open.
      if (o.kind == pb::TRAINING && receipt.status() == pb::VERSION_MISMATCH && still_mine(o.job)) retrain.push_back(o.job);
    }
  }
  // Ours the mempool let go of without a block (evicted, or a nonce gap): sign them again.
  std::vector<Own> lost;
  std::erase_if(own_, [&](const auto& kv) {
    if (!kv.second.admitted || host_.pending(kv.first)) return false;
    lost.push_back(kv.second);
    return true;
  });
  for (const auto& o : lost) resend(o);
  for (auto& [id, o] : own_)
    if (o.admitted && ledger.height() >= o.gossiped_at + kRegossipBlocks) {
      host_.gossip(o.raw);
      o.gossiped_at = ledger.height();
    }

  const BlockNews news = read_block(ledger, block, results, me_);
  apply_changes(news);
  for (const auto& id : retrain) {
    busy_.erase(id);
    (void)log_->forget(id);
    enqueue(*ledger.job(id));
  }
  for (const auto& j : news.assigned) enqueue(j);

  // Jobs closed on chain need no record any more.
  std::vector<Hash32> closed;
  for (const auto& [job, busy] : busy_)
    if (!still_mine(job)) closed.push_back(job);
  for (const auto& job : closed) {
    busy_.erase(job);
    (void)log_->forget(job);
  }
  prune_versions();
}

void Worker::mark_busy(const pb::Job& job) {
  busy_[hash_of(job.job_id())] = {Clock::now(), hash_of(job.model_id()),
                                  job.kind() == pb::INFERENCE ? std::optional(job.version()) : std::nullopt};
}

void Worker::prune_versions() {
  for (auto& [id, model] : served_) {
    auto info = host_.ledger->model(id);
    if (!info) continue;
    uint64_t keep = info->final_version();
    for (const auto& [job, busy] : busy_)
      if (busy.model == id && busy.pinned) keep = std::min(keep, *busy.pinned);
    // After the steps posted before it, so a snapshot it would drop is never retaken.
    asio::post(serial_, [model = model.get(), keep] { model->keep_from(keep); });
  }
}

}  // namespace ghost::worker
