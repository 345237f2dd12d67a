// Connections: accepting, opening, the handshake on each, the table of connected peers, and
// closing.
#include "node/log/log.h"
#include "node/p2p/impl.h"

namespace ghost::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Flood control averages a peer's message rate over this window.
constexpr std::chrono::seconds kRateWindow{2};

pb::Envelope envelope(pb::Handshake m) {
  pb::Envelope env;
  *env.mutable_handshake() = std::move(m);
  return env;
}

}  // namespace

void Network::Impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    if (self->stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) log::warn("p2p", "accept failed", {{"error", ec.message()}});
    else self->admit(std::move(socket));
    self->accept();
  });
}

// Refused sockets close as they go out of scope.
void Network::Impl::admit(tcp::socket socket) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec || isolated_) return;
  if (banned(remote.address())) {
    log::debug("p2p", "refused a banned address", {{"addr", endpoint_text(remote)}});
    return;
  }
  if (inbound_count() >= config_.max_inbound) {
    log::info("p2p", "refused an inbound connection: max_inbound reached",
              {{"addr", endpoint_text(remote)}, {"max_inbound", config_.max_inbound}});
    return;
  }
  open_link(Session::accepted(std::move(socket), limits(), events()), nullptr);
}

void Network::Impl::open_link(std::shared_ptr<Session> session, PersistentPeer* persistent) {
  Session& s = *session;
  links_.try_emplace(&s, Link{std::move(session),
                              Handshake(key_, chain_id_, genesis_hash_, advertised_, height_, random_nonce()),
                              TokenBucket(double(config_.max_messages_per_second), kRateWindow, Clock::now()),
                              persistent, false, PeerInfo{}});
  s.start();
}

Session::Limits Network::Impl::limits() const {
  return {.max_frame_bytes = config_.max_frame_bytes,
          .consensus_queue_bytes = config_.send_queue_bytes,
          .gossip_queue_bytes = config_.gossip_queue_bytes,
          .handshake_timeout = std::chrono::milliseconds(config_.handshake_timeout_ms),
          .ping_interval = std::chrono::milliseconds(config_.ping_interval_ms)};
}

// Sessions may outlive the network (their handlers hold them): they call back only while
// it is alive.
Session::Events Network::Impl::events() {
  std::weak_ptr<Impl> w = weak_from_this();
  return {.on_open = [w](Session& s) { if (auto self = w.lock()) self->on_open(s); },
          .on_frame = [w](Session& s, ByteSpan frame, bool text) { if (auto self = w.lock()) self->on_frame(s, frame, text); },
          .on_oversize =
              [w](Session& s) {
                if (auto self = w.lock(); self && self->links_.contains(&s))
                  self->offend(self->links_.at(&s),
                               {Offence::kOversize, "a frame over the limit of " + std::to_string(self->config_.max_frame_bytes) + " bytes"});
              },
          .on_written =
              [w](size_t bytes, size_t frames) {
                if (auto self = w.lock())
                  self->metrics_.bytes_out.inc(bytes), self->metrics_.messages_out.inc(frames), self->metrics_.writes_out.inc();
              },
          .on_closed = [w](Session& s, const std::string& why) { if (auto self = w.lock()) self->on_closed(s, why); }};
}

void Network::Impl::on_open(Session& s) {
  auto it = links_.find(&s);
  if (it == links_.end()) return;
  s.send(seal(envelope(it->second.handshake.hello())).bytes, Priority::kConsensus);
}

void Network::Impl::on_frame(Session& s, ByteSpan frame, bool text) {
  auto it = links_.find(&s);
  if (stopping_ || it == links_.end()) return;
  Link& l = it->second;
  metrics_.bytes_in.inc(frame.size());
  auto batch = text ? std::nullopt : open_batch(frame);
  if (!batch) return take(l, frame, text);
  if (!*batch) return offend(l, batch->error());
  // Each frame as if it had come alone: counted, policed and handled in order.
  for (ByteSpan inner : **batch) {
    if (s.closed()) return;
    take(l, inner, false);
  }
}

void Network::Impl::take(Link& l, ByteSpan frame, bool text) {
  metrics_.messages_in.inc();
  if (!l.rate.take(Clock::now()))
    return offend(l, {Offence::kFlood, "over " + std::to_string(config_.max_messages_per_second) + " messages per second"});
  if (l.connected) {
    auto outcome = dispatcher_.receive(l.info.id, frame, text);
    if (!outcome) offend(l, outcome.error());
    else if (*outcome == Dispatcher::Outcome::kDuplicate) metrics_.duplicates.inc();
    return;
  }
  auto in = open_frame(frame, text, kHandshakeFrameBytes);
  if (!in) return offend(l, in.error());
  if (!in->env.has_handshake()) return offend(l, {Offence::kBadHandshake, "a message before the handshake completed"});
  handshake_step(l, in->env.handshake());
}

void Network::Impl::handshake_step(Link& l, const pb::Handshake& m) {
  if (auto r = l.handshake.receive(m); !r) return offend(l, {Offence::kBadHandshake, r.error().message});
  if (l.handshake.stage() == Handshake::Stage::kDone) return complete(l);
  if (auto why = refusal(l)) {
    log::info("p2p", "refused a peer", {{"peer", l.handshake.peer_key().hex()}, {"addr", endpoint_text(l.session->remote())}, {"reason", *why}});
    return l.session->close(*why);
  }
  l.session->send(seal(envelope(l.handshake.proof())).bytes, Priority::kConsensus);
}

// Checked on the key the hello claims, before we prove ours: refusing costs nothing, and the
// claim is proven before anything else depends on it.
std::optional<std::string> Network::Impl::refusal(const Link& l) {
  const PeerId& claimed = l.handshake.peer_key();
  if (claimed == key_.public_key()) {
    // A persistent peer that is this node is not dialled again.
    if (l.persistent) l.persistent->key = claimed;
    return "a connection to this node itself";
  }
  if (key_bans_.banned(claimed, Clock::now())) return "the peer's node key is banned";
  if (l.persistent && l.persistent->address.key && *l.persistent->address.key != claimed)
    return "node key " + claimed.hex() + " is not the pinned " + l.persistent->address.key->hex();
  return std::nullopt;
}

// Two connections between the same pair of nodes (both dialled at once, or a redial): both
// ends keep the same one, the one dialled by the lower key (of two dialled by the same
// node, the one whose dialler's nonce is lower).
void Network::Impl::complete(Link& l) {
  const PeerId id = l.handshake.peer_key();
  if (l.persistent) l.persistent->key = id, l.persistent->backoff.reset();
  bool replaced = false;  // the node was told of this peer already
  if (auto it = connected_.find(id); it != connected_.end()) {
    auto rank = [&](const Link& x) {
      return x.session->outbound() ? std::pair(key_.public_key(), x.handshake.nonce())
                                   : std::pair(id, x.handshake.peer_nonce());
    };
    Link& other = *it->second;
    if (rank(other) < rank(l)) return l.session->close("a second connection to a connected peer");
    {
      std::lock_guard lock(table_mu_);
      other.connected = false;
      connected_.erase(it);
    }
    other.session->close("replaced by a second connection to the same peer");
    replaced = true;
  }
  {
    std::lock_guard lock(table_mu_);
    l.connected = true;
    l.info = PeerInfo{.id = id,
                      .address = endpoint_text(l.session->remote()),
                      .listen = l.handshake.peer_hello().listen_addr(),
                      .outbound = l.session->outbound(),
                      .height = l.handshake.peer_hello().height()};
    connected_[id] = &l;
  }
  metrics_.peers.set(double(connected_.size()));
  l.session->established();
  log::info("p2p", "peer connected",
            {{"peer", id.hex()}, {"addr", l.info.address}, {"outbound", l.info.outbound}, {"height", l.info.height}});
  if (!replaced && handler_.on_connect) handler_.on_connect(l.info);
}

void Network::Impl::push(Link& l, const OutFrame& frame, Priority priority) {
  switch (l.session->send(frame.bytes, priority)) {
    case SendQueue::Push::kQueued: return;
    case SendQueue::Push::kDropped: metrics_.gossip_dropped.inc(); return;
    case SendQueue::Push::kOverflow:
      metrics_.slow_peers.inc();
      log::warn("p2p", "dropping a slow peer: its consensus queue is full",
                {{"peer", l.info.id.hex()}, {"queued_bytes", l.session->queued_bytes()}, {"limit", config_.send_queue_bytes}});
      l.session->close("too slow: the consensus send queue is full");
  }
}

void Network::Impl::on_closed(Session& s, const std::string& why) {
  auto it = links_.find(&s);
  if (it == links_.end()) return;
  const bool was_connected = it->second.connected;
  const PeerId id = it->second.info.id;
  PersistentPeer* persistent = it->second.persistent;
  if (was_connected) {
    std::lock_guard lock(table_mu_);
    connected_.erase(id);
  }
  links_.erase(it);
  if (stopping_) return;
  if (was_connected) {
    metrics_.peers.set(double(connected_.size()));
    log::info("p2p", "peer disconnected", {{"peer", id.hex()}, {"reason", why}});
    if (handler_.on_disconnect) handler_.on_disconnect(id);
  } else {
    log::debug("p2p", "connection closed before the handshake completed", {{"reason", why}});
  }
  if (persistent) persistent->dialling = false, redial_later(*persistent);
  if (was_connected) redial_waiting_for(id);
}

size_t Network::Impl::inbound_count() const {
  return std::ranges::count_if(links_, [](const auto& kv) { return !kv.second.session->outbound(); });
}

}  // namespace ghost::p2p
