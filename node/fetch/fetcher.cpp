#include "node/fetch/fetcher.h"

#include <boost/asio/post.hpp>

#include "node/log/log.h"

namespace ghost::fetch {

namespace asio = boost::asio;

Fetcher::Fetcher(asio::io_context& io, std::unique_ptr<WeightFetch> fetch, FetcherHost host, FetcherOptions options,
                 std::function<void(Result<void>)> done)
    : io_(io),
      fetch_(std::move(fetch)),
      host_(std::move(host)),
      options_(options),
      done_(std::move(done)),
      timer_(io),
      checkers_(std::max(1u, options.checkers)) {}

Fetcher::~Fetcher() { checkers_.join(); }

void Fetcher::start() {
  asio::post(io_, [this] {
    started_ = last_progress_ = Clock::now();
    start_bytes_ = fetch_->done_bytes();
    log::info("fetch", "fetching weights",
              {{"total_mb", double(fetch_->total_bytes()) / 1e6}, {"already_mb", double(start_bytes_) / 1e6},
               {"percent", 100.0 * double(start_bytes_) / double(std::max<uint64_t>(1, fetch_->total_bytes()))}});
    tick();
  });
}

void Fetcher::on_response(const p2p::PeerId& from, pb::LeafRangeResponse resp) {
  asio::post(io_, [self = shared_from_this(), from, resp = std::move(resp)]() mutable { self->handle(from, std::move(resp)); });
}

void Fetcher::on_peer_gone(const p2p::PeerId& peer) {
  asio::post(io_, [this, peer] {
    drop_peer_asks(peer);
    pump();
  });
}

void Fetcher::handle(const p2p::PeerId& from, pb::LeafRangeResponse resp) {
  if (ended_) return;
  auto it = asked_.find({resp.tensor(), resp.first()});
  if (it == asked_.end() || it->second.peer != from) return;  // late (asked again elsewhere) or unasked
  const RangeAsk ask = it->second.ask;
  asked_.erase(it);
  --load_[from];
  if (!resp.refused().empty()) {
    log::info("fetch", "peer does not serve this model", {{"peer", from.hex().substr(0, 12)}, {"reason", resp.refused()}});
    shunned_.insert(from);
    fetch_->release(ask);
    return pump();
  }
  // The peer's next range is asked before this one is checked and written: it serves that one
  // meanwhile (a range that fails is released and its peer's asks dropped when it settles).
  pump();
  asio::post(checkers_, [self = shared_from_this(), from, ask, resp = std::move(resp)]() mutable {
    auto kept = self->fetch_->keep_verified(ask, resp);
    auto& io = self->io_;
    asio::post(io, [self = std::move(self), from, ask, kept = std::move(kept)]() mutable {
      self->settled(from, ask, std::move(kept));
    });
  });
}

void Fetcher::settled(const p2p::PeerId& from, const RangeAsk& ask, Result<p2p::Checked<WeightFetch::Kept>> kept) {
  if (ended_) return;
  auto got = fetch_->settle(ask, std::move(kept));
  if (!got) return end(std::unexpected(got.error()));
  if (!*got) {
    log::warn("fetch", "refused leaves that do not verify",
              {{"peer", from.hex().substr(0, 12)}, {"tensor", ask.tensor}, {"first", ask.first}, {"reason", got->error().reason}});
    shunned_.insert(from);
    drop_peer_asks(from);
    host_.report(from, got->error().offence, got->error().reason);
    return pump();
  }
  fetched_bytes_ += **got;
  if (fetch_->complete()) {
    // Timed to the last leaf durable, as a copy into a file would be once synced.
    if (auto synced = fetch_->sync(); !synced) return end(std::move(synced));
    progress(true);
    log::info("fetch", "every leaf verified; building the folder", {});
    return end(fetch_->finish(options_.threads));
  }
  pump();
}

void Fetcher::drop_peer_asks(const p2p::PeerId& peer) {
  for (auto it = asked_.begin(); it != asked_.end();) {
    if (it->second.peer != peer) {
      ++it;
      continue;
    }
    fetch_->release(it->second.ask);
    it = asked_.erase(it);
  }
  load_.erase(peer);
}

// Each usable peer gets asks up to per_peer, the least loaded first.
void Fetcher::pump() {
  if (ended_) return;
  std::vector<p2p::PeerId> peers;
  for (const auto& p : host_.peers())
    if (!shunned_.contains(p)) peers.push_back(p);
  bool asked = true;
  while (asked) {
    asked = false;
    for (const auto& p : peers) {
      if (load_[p] >= options_.per_peer) continue;
      auto ask = fetch_->next();
      if (!ask) return;
      if (!asking_) asking_ = true, started_ = Clock::now();  // the rate counts from the first ask
      asked_[{ask->tensor, ask->first}] = Asked{*ask, p, Clock::now() + std::chrono::milliseconds(options_.timeout_ms)};
      ++load_[p];
      pb::Envelope env;
      *env.mutable_leaf_range_request() = make_request(*ask);
      host_.send(p, std::move(env));
      asked = true;
    }
  }
}

void Fetcher::tick() {
  if (ended_) return;
  const auto now = Clock::now();
  for (auto it = asked_.begin(); it != asked_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    log::info("fetch", "range timed out; asking another peer",
              {{"peer", it->second.peer.hex().substr(0, 12)}, {"tensor", it->second.ask.tensor}, {"first", it->second.ask.first}});
    --load_[it->second.peer];
    fetch_->release(it->second.ask);
    it = asked_.erase(it);
  }
  if (now - last_progress_ >= std::chrono::milliseconds(options_.progress_ms)) progress(false);
  if (fetch_->complete()) return end(fetch_->finish(options_.threads));  // nothing was missing
  pump();
  timer_.expires_after(std::chrono::milliseconds(200));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Fetcher::progress(bool last) {
  last_progress_ = Clock::now();
  const double secs = std::chrono::duration<double>(last_progress_ - started_).count();
  const uint64_t done = fetch_->done_bytes(), total = std::max<uint64_t>(1, fetch_->total_bytes());
  log::info("fetch", last ? "fetched" : "progress",
            {{"percent", 100.0 * double(done) / double(total)}, {"done_mb", double(done) / 1e6},
             {"total_mb", double(total) / 1e6}, {"mb_per_s", secs > 0 ? double(fetched_bytes_) / 1e6 / secs : 0.0},
             {"fetched_mb", double(fetched_bytes_) / 1e6}, {"peers_asked", uint64_t(load_.size())}});
}

void Fetcher::end(Result<void> r) {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  done_(std::move(r));
}

}  // namespace ghost::fetch
