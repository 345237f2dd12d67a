#include "node/spotcheck/spot_checker.h"

#include <boost/asio/post.hpp>

#include "consensus/ledger/tx.h"
#include "node/log/log.h"
#include "node/spotcheck/duty.h"
#include "node/spotcheck/fraud_check.h"
#include "node/spotcheck/sampling.h"
#include "node/worker/job_finder.h"
#include "proto/decode.h"

namespace ghost::spotcheck {

namespace asio = boost::asio;

namespace {

Hash32 hash_of(const std::string& s) { return Hash32::from_span(as_bytes(s)); }
std::string short_id(const Hash32& id) { return id.hex().substr(0, 16); }

}  // namespace

SpotChecker::SpotChecker(const SpotCheckConfig& config, HeldModels held, asio::io_context& core, Host host,
                         metrics::Registry& metrics)
    : config_(config),
      held_(std::move(held)),
      core_(core),
      host_(std::move(host)),
      metrics_(metrics),
      pool_(config.threads),
      serial_(asio::make_strand(pool_)),
      m_checks_(metrics.counter("ghost_spot_checks_total", "Sampled answers this validator checked against the canonical search")),
      m_faults_(metrics.counter("ghost_spot_faults_found_total", "Checked answers that were a provable fault")),
      m_queue_(metrics.gauge("ghost_spot_check_queue_depth", "Sampled answers waiting for a spot-check thread")),
      m_steps_(metrics.counter("ghost_spot_steps_applied_total", "Committed training steps applied to the held models")),
      m_rollbacks_(metrics.counter("ghost_spot_rollbacks_total",
                                   "Held models returned to an older version after a proven fraud in a training step")) {
  metrics.counter("ghost_spot_faults_left_total", "Faults found that closed before this validator's turn came");
  for (const char* outcome : {"won", "lost"})
    metrics.counter("ghost_challenges_total", "This validator's Challenge txs committed, by outcome",
                    {{"outcome", outcome}});
}

SpotChecker::~SpotChecker() { stop(); }

Result<std::unique_ptr<SpotChecker>> SpotChecker::open(const SpotCheckConfig& config, const std::filesystem::path& home,
                                                       const std::filesystem::path& data_dir, asio::io_context& core,
                                                       Host host, metrics::Registry& metrics) {
  if (auto ok = validate_spot_check_config(config); !ok) return std::unexpected(ok.error());
  auto held = HeldModels::open(config.model_dirs, home, data_dir, *host.ledger, host.block_at, config.threads);
  if (!held) return std::unexpected(held.error());
  log::info("spotcheck", "spot-checking answers", {{"models", held->size()}, {"threads", config.threads},
                                                   {"rate_ppm", host.ledger->params().spot_check_rate_ppm()}});
  return std::unique_ptr<SpotChecker>(new SpotChecker(config, std::move(*held), core, std::move(host), metrics));
}

void SpotChecker::stop() {
  if (stopped_) return;
  stopped_ = true;
  pool_.stop();
  pool_.join();
}

void SpotChecker::start() {
  const uint64_t h = host_.ledger->height();
  auto block = h > 0 ? host_.block_at(h) : std::nullopt;
  if (!block) return;
  auto results = host_.results_at(h);
  if (results) waiting_ = answers_in(*block, *results);
}

std::vector<SpotChecker::Answer> SpotChecker::answers_in(const pb::Block& block, const pb::BlockResults& results) const {
  std::vector<Answer> out;
  for (int i = 0; i < block.txs_size() && i < results.receipts_size(); ++i) {
    if (results.receipts(i).status() != pb::OK) continue;
    pb::TxEnvelope env;
    pb::TxBody body;
    // A committed tx with an OK receipt decoded once already; one that does not is skipped.
    if (!pb::decode(as_bytes(block.txs(i)), env) || !pb::decode(as_bytes(env.body()), body)) continue;
    // A training result is challenged on its forward pass, as an inference answer (§4.7.10).
    const bool inference = body.has_inference_result();
    if (!inference && !body.has_train_result()) continue;
    const Hash32 id = hash_of(inference ? body.inference_result().job_id() : body.train_result().job_id());
    auto job = host_.ledger->job(id);
    if (!job) continue;
    out.push_back({id, hash_of(job->model_id()), job->version(),
                   inference ? body.inference_result().proof() : body.train_result().proof().forward()});
  }
  return out;
}

void SpotChecker::on_commit(const pb::Block& block, const Hash32& hash, const pb::BlockResults& results,
                            const std::vector<Hash32>& tx_ids) {
  count_outcomes(block, results, tx_ids);
  const uint32_t rate = host_.ledger->params().spot_check_rate_ppm();
  // The last block's answers first: their checks read versions this block's steps may move past.
  const pb::ValidatorSet set = host_.ledger->validator_set();
  for (auto& a : waiting_)
    if (sampled(hash, a.job, rate)) {
      a.due = due_height(block.header().height(), challenger_rank(hash, a.job, set, host_.self));
      check(std::move(a));
    }
  follow(block, results);
  waiting_ = answers_in(block, results);
  prune_versions();
  challenge_due();
}

void SpotChecker::follow(const pb::Block& block, const pb::BlockResults& results) {
  const worker::BlockNews news = worker::read_block(*host_.ledger, block, results, Address{});
  for (const auto& change : news.changes) {
    const auto* step = std::get_if<worker::CommittedStep>(&change);
    worker::ServedModel* model = held_.find(step ? step->from.model_id : std::get<worker::RollBack>(change).model_id);
    if (!model) continue;
    // Read here, where the ledger is owned, for a copy that never kept the rollback's version.
    worker::DiscardedResults discarded =
        step ? worker::DiscardedResults{} : worker::discarded_results(*host_.ledger, model->model_id(), host_.block_at);
    asio::post(serial_, [this, model, change, discarded = std::move(discarded)] {
      const auto* step = std::get_if<worker::CommittedStep>(&change);
      auto ok = step ? model->apply(*step) : model->roll_back(std::get<worker::RollBack>(change).to, discarded);
      const uint64_t version = model->version();
      asio::post(core_, [this, model, ok, step = step != nullptr, version] {
        if (ok) return (step ? m_steps_ : m_rollbacks_).inc();
        // Answers on later versions are then skipped as version_not_held, and counted.
        log::error("spotcheck", "the held model cannot follow the chain's training: answers on later versions are skipped",
                   {{"model", model->model_id().hex()}, {"version", version}, {"reason", ok.error().message}});
      });
    });
  }
}

void SpotChecker::prune_versions() {
  for (const auto& [id, model] : held_.all()) {
    auto info = host_.ledger->model(id);
    if (!info) continue;
    uint64_t keep = info->final_version();
    for (const auto& a : waiting_)
      if (a.model == id) keep = std::min(keep, a.version);
    for (const auto& [m, v] : queued_versions_)
      if (m == id) keep = std::min(keep, v);
    // After the steps posted before it, so a snapshot it would drop is never retaken.
    asio::post(serial_, [model = model.get(), keep] { model->keep_from(keep); });
  }
}

void SpotChecker::skip(const char* reason) {
  metrics_.counter("ghost_spot_checks_skipped_total", "Sampled answers not checked, by reason", {{"reason", reason}})
      .inc();
}

void SpotChecker::check(Answer answer) {
  if (stopped_) return;
  auto job = host_.ledger->job(answer.job);
  if (!job || job->status() != pb::ANSWERED) return skip("job_closed");  // challenged meanwhile
  auto version = worker::chain_version(*host_.ledger, answer.model, answer.version);
  worker::ServedModel* model = version ? held_.find(answer.model) : nullptr;
  if (!model) return skip("version_not_held");
  if (queued_ >= config_.queue) return skip("queue_full");
  ++queued_;
  m_queue_.set(double(queued_));
  queued_versions_.insert({answer.model, answer.version});
  asio::post(pool_, [this, model, version = std::move(*version), answer = std::move(answer)]() mutable {
    bool held = false;
    Result<std::optional<pb::Challenge>> verdict = std::optional<pb::Challenge>{};
    (void)model->with_version(answer.version, [&](const ml::Model& m) -> Result<void> {
      held = true;
      verdict = check_answer(m, version, answer.job, answer.proof);
      return {};
    });
    asio::post(core_, [this, held, answer = std::move(answer), verdict = std::move(verdict)]() mutable {
      on_checked(answer, held, std::move(verdict));
    });
  });
}

void SpotChecker::on_checked(const Answer& answer, bool held, Result<std::optional<pb::Challenge>> verdict) {
  --queued_;
  m_queue_.set(double(queued_));
  queued_versions_.erase(queued_versions_.find({answer.model, answer.version}));
  const Hash32& job = answer.job;
  if (!held) return skip("version_not_held");  // the held model could not follow the chain
  if (!verdict) {
    log::warn("spotcheck", "answer not checked", {{"job", short_id(job)}, {"reason", verdict.error().message}});
    return skip("check_failed");
  }
  m_checks_.inc();
  if (!*verdict) return;
  m_faults_.inc();
  log::warn("spotcheck", "provable fault found", {{"job", short_id(job)}, {"turn_at_height", answer.due}});
  faults_.push_back({job, std::move(**verdict), answer.due});
  challenge_due();
}

void SpotChecker::challenge_due() {
  if (faults_.empty()) return;
  const uint64_t h = host_.ledger->height();
  std::optional<std::set<Hash32>> pending;  // read from the mempool once, and only when a turn came
  std::erase_if(faults_, [&](Fault& f) {
    auto job = host_.ledger->job(f.job);
    const bool answered = job && job->status() == pb::ANSWERED;
    if (answered && h >= f.due && !pending) pending = challenged_jobs(host_.pending ? host_.pending() : std::vector<Bytes>{});
    switch (challenge_duty(h, f.due, answered, pending && pending->contains(f.job))) {
      case Duty::wait: return false;
      case Duty::drop:
        metrics_.counter("ghost_spot_faults_left_total", "Faults found that closed before this validator's turn came").inc();
        return true;
      case Duty::submit: submit(std::move(f)); return true;
    }
    return false;
  });
}

void SpotChecker::submit(Fault fault) {
  log::warn("spotcheck", "challenging a provable fault", {{"job", short_id(fault.job)}});
  const Hash32 job = fault.job;
  pb::TxBody body;
  *body.mutable_challenge() = std::move(fault.challenge);
  host_.submit(std::move(body), [this, job](std::optional<Hash32> id, std::string error) {
    if (!id) {
      log::warn("spotcheck", "could not submit the challenge (fund the validator key's address for the bond and fee)",
                {{"job", short_id(job)}, {"reason", error}});
      return;
    }
    challenges_.insert(*id);
    log::info("spotcheck", "challenge submitted", {{"job", short_id(job)}, {"tx", id->hex()}});
  });
}

void SpotChecker::count_outcomes(const pb::Block& block, const pb::BlockResults& results,
                                 const std::vector<Hash32>& tx_ids) {
  for (size_t i = 0; i < tx_ids.size() && int(i) < results.receipts_size(); ++i) {
    if (!challenges_.erase(tx_ids[i])) continue;
    const bool won = results.receipts(int(i)).status() == pb::OK;
    metrics_.counter("ghost_challenges_total", "", {{"outcome", won ? "won" : "lost"}}).inc();
    log::info("spotcheck", won ? "challenge won" : "challenge lost",
              {{"tx", tx_ids[i].hex()}, {"height", block.header().height()},
               {"code", pb::TxCode_Name(results.receipts(int(i)).status())}});
  }
}

}  // namespace ghost::spotcheck
