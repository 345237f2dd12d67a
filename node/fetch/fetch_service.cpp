#include "node/fetch/fetch_service.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "node/log/log.h"
#include "node/worker/job_finder.h"

namespace ghost::fetch {

namespace asio = boost::asio;

FetchService::FetchService(Host host, FetchConfig config, const std::vector<std::filesystem::path>& serve_dirs,
                           unsigned threads)
    : host_(host), config_(config), threads_(threads) {
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
  for (const auto& dir : serve_dirs) {
    auto held = server_.add(dir, *host_.ledger, threads_);
    if (!held) {
      log::warn("fetch", "not serving a model folder", {{"dir", dir.string()}, {"reason", held.error().message}});
      continue;
    }
    log::info("fetch", "serving weights to peers",
              {{"dir", dir.string()}, {"model", held->first.hex().substr(0, 16)}, {"version", held->second}});
  }
}

FetchService::~FetchService() { stop(); }

void FetchService::stop() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
  // Checks under way end before io_ goes (they post their results to it).
  std::lock_guard lock(fetcher_mu_);
  if (fetcher_) fetcher_->stop_checks();
}

bool FetchService::on_message(const p2p::PeerId& from, pb::Envelope& env) {
  if (env.has_leaf_range_response()) {
    std::shared_ptr<Fetcher> f;
    {
      std::lock_guard lock(fetcher_mu_);
      f = fetcher_;
    }
    if (f) f->on_response(from, std::move(*env.mutable_leaf_range_response()));
    return true;
  }
  if (!env.has_leaf_range_request()) return false;
  auto ask = check_request(env.leaf_range_request());
  if (!ask) {
    host_.net->report(from, ask.error().offence, ask.error().reason);
    return true;
  }
  {
    std::lock_guard lock(serving_mu_);
    if (serving_[from] >= kServedPerPeer) {
      host_.net->report(from, p2p::Offence::kFlood,
                        "more than " + std::to_string(kServedPerPeer) + " leaf range requests at once");
      return true;
    }
    ++serving_[from];
  }
  asio::post(*host_.work, [this, from, ask = *ask] {
    pb::Envelope out;
    *out.mutable_leaf_range_response() = server_.answer(ask);
    std::string* leaves = out.mutable_leaf_range_response()->mutable_leaves()->mutable_leaves();
    if (config_.test_tamper && !leaves->empty()) (*leaves)[leaves->size() / 2] ^= 0x40;
    if (config_.serve_mb_per_s == 0) return send_answer(from, std::move(out));
    asio::post(io_, [this, from, out = std::move(out)]() mutable {
      const auto now = std::chrono::steady_clock::now();
      const auto at = std::max(now, upload_free_);
      upload_free_ = at + std::chrono::microseconds(out.ByteSizeLong() / config_.serve_mb_per_s);
      auto timer = std::make_shared<asio::steady_timer>(io_, at);
      timer->async_wait([this, timer, from, out = std::move(out)](const boost::system::error_code&) mutable {
        send_answer(from, std::move(out));
      });
    });
  });
  return true;
}

void FetchService::send_answer(const p2p::PeerId& to, pb::Envelope env) {
  // Bounded by kServedPerPeer answers of at most kMaxRangeBytes each, within the send queue.
  host_.net->send(to, std::move(env), p2p::Priority::kConsensus);
  std::lock_guard lock(serving_mu_);
  // A peer that left and came back was forgiven its answers still in flight (on_peer_gone).
  if (auto it = serving_.find(to); it != serving_.end() && --it->second == 0) serving_.erase(it);
}

void FetchService::on_peer_gone(const p2p::PeerId& peer) {
  {
    std::lock_guard lock(serving_mu_);
    serving_.erase(peer);  // a fetcher killed and restarted must not inherit its old answers' count
  }
  std::lock_guard lock(fetcher_mu_);
  if (fetcher_) fetcher_->on_peer_gone(peer);
}

void FetchService::fetch(FetchTarget target, std::function<void(Result<void>)> done) {
  asio::post(*host_.core, [this, target = std::move(target), done = std::move(done)]() mutable {
    wait_for_model(std::move(target), std::move(done), false);
  });
}

// Core thread: the model may only appear once the node has synced the block registering it.
void FetchService::wait_for_model(FetchTarget target, std::function<void(Result<void>)> done, bool told) {
  auto info = host_.ledger->model(target.model_id);
  auto version = info ? worker::chain_version(*host_.ledger, target.model_id, info->version()) : std::nullopt;
  if (!version) {
    if (!told)
      log::info("fetch", "waiting for the model to be on chain (the node is syncing)",
                {{"model", target.model_id.hex()}, {"height", host_.ledger->height()}});
    wait_timer_ = std::make_unique<asio::steady_timer>(*host_.core, std::chrono::milliseconds(500));
    wait_timer_->async_wait([this, target, done](const boost::system::error_code& ec) mutable {
      if (!ec) wait_for_model(std::move(target), std::move(done), true);
    });
    return;
  }
  log::info("fetch", "model found on chain",
            {{"model", target.model_id.hex()}, {"version", version->version}, {"out", target.out.string()}});
  auto finished = [this, out = target.out, done](Result<void> r) {
    asio::post(*host_.core, [this, out, done, r = std::move(r)]() mutable {
      if (r) {
        if (auto held = server_.add(out, *host_.ledger, threads_); !held)
          log::warn("fetch", "the fetched folder is not served", {{"reason", held.error().message}});
      }
      done(std::move(r));
    });
  };
  auto opened = WeightFetch::open(target.out, info->ghost_file(), *version);
  if (!opened) return finished(std::unexpected(opened.error()));
  FetcherHost fh;
  fh.peers = [net = host_.net] {
    std::vector<p2p::PeerId> ids;
    for (const auto& p : net->peers()) ids.push_back(p.id);
    return ids;
  };
  fh.send = [net = host_.net](const p2p::PeerId& to, pb::Envelope env) { net->send(to, std::move(env), p2p::Priority::kGossip); };
  fh.report = [net = host_.net](const p2p::PeerId& peer, p2p::Offence o, std::string why) { net->report(peer, o, std::move(why)); };
  FetcherOptions fo;
  fo.per_peer = config_.per_peer;
  fo.timeout_ms = config_.timeout_ms;
  fo.threads = threads_;
  auto fetcher = std::make_shared<Fetcher>(io_, std::move(*opened), std::move(fh), fo, finished);
  {
    std::lock_guard lock(fetcher_mu_);
    fetcher_ = fetcher;
  }
  fetcher->start();
}

}  // namespace ghost::fetch
