// The public face of the network: every call that touches connections is posted to the
// io_context; encoding and hashing happen on the caller's thread.
#include "node/p2p/network.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "node/log/log.h"
#include "node/p2p/impl.h"

namespace ghost::p2p {

namespace asio = boost::asio;

namespace {
constexpr size_t kBannedKeys = 1 << 14;
constexpr size_t kBannedAddresses = 1 << 14;
}  // namespace

Network::Impl::Impl(asio::io_context& io, Config config, PrivateKey node_key, std::string chain_id,
                    Hash32 genesis_hash, Handler handler, metrics::Registry& registry)
    : io_(io),
      config_(std::move(config)),
      key_(std::move(node_key)),
      chain_id_(std::move(chain_id)),
      genesis_hash_(genesis_hash),
      handler_(std::move(handler)),
      metrics_(registry),
      dispatcher_(config_.max_frame_bytes, config_.seen_capacity,
                  {.on_height =
                       [this](const PeerId& from, uint64_t height) {
                         std::lock_guard lock(table_mu_);
                         if (auto it = connected_.find(from); it != connected_.end()) it->second->info.height = height;
                       },
                   .on_message =
                       [this](const PeerId& from, pb::Envelope& env) {
                         return handler_.on_message && handler_.on_message(from, env);
                       }}),
      acceptor_(io),
      key_bans_(std::chrono::seconds(config_.ban_seconds), kBannedKeys),
      ip_bans_(std::chrono::seconds(config_.ban_seconds), kBannedAddresses) {}

Result<void> Network::Impl::start() {
  if (started_.exchange(true)) return fail(Errc::kExists, "the network was started already");
  for (const auto& text : config_.persistent_peers) {
    auto address = parse_peer_address(text);
    if (!address) return fail(address.error(), "persistent peer: ");
    const std::optional<PeerId> pinned = address->key;
    persistent_.push_back(std::unique_ptr<PersistentPeer>(new PersistentPeer{
        std::move(*address), pinned,
        Backoff(std::chrono::milliseconds(config_.reconnect_min_ms), std::chrono::milliseconds(config_.reconnect_max_ms)),
        asio::steady_timer(io_), asio::ip::tcp::resolver(io_)}));
  }
  if (!config_.listen.empty()) {
    auto endpoint = parse_listen_address(config_.listen);
    if (!endpoint) return fail(endpoint.error(), "p2p.listen: ");
    boost::system::error_code ec;
    acceptor_.open(endpoint->protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(*endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(Errc::kIo, "cannot listen on " + config_.listen + ": " + ec.message());
    listen_port_ = acceptor_.local_endpoint().port();
  }
  advertised_ = !config_.external_address.empty() ? config_.external_address
                : acceptor_.is_open()             ? endpoint_text(acceptor_.local_endpoint())
                                                  : std::string();
  log::info("p2p", "network started",
            {{"node_key", key_.public_key().hex()}, {"listen", advertised_}, {"persistent_peers", persistent_.size()}});
  asio::post(io_, [self = shared_from_this()] {
    if (self->stopping_) return;
    if (self->acceptor_.is_open()) self->accept();
    for (auto& p : self->persistent_) self->dial(*p);
  });
  return {};
}

void Network::Impl::stop() {
  if (stopping_.exchange(true)) return;
  asio::dispatch(io_, [self = shared_from_this()] { self->shut_down(); });
}

// No callback runs after this: the node is going away.
void Network::Impl::shut_down() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& p : persistent_) p->timer.cancel(), p->resolver.cancel();
  {
    std::lock_guard lock(table_mu_);
    connected_.clear();
  }
  metrics_.peers.set(0);
  for (auto& [session, link] : links_) link.session->close("the node is stopping");
  log::info("p2p", "network stopped");
}

std::vector<PeerInfo> Network::Impl::peers() const {
  std::lock_guard lock(table_mu_);
  std::vector<PeerInfo> out;
  for (const auto& [id, link] : connected_) {
    out.push_back(link->info);
    out.back().queued_bytes = link->session->queued_bytes();
  }
  return out;
}

void Network::Impl::broadcast(const OutFrame& frame, Priority priority, const std::optional<PeerId>& except) {
  dispatcher_.remember(frame.id);
  for (auto& [id, link] : connected_)
    if (id != except) push(*link, frame, priority);
}

void Network::Impl::set_isolated(bool isolated) {
  if (stopping_ || isolated == isolated_) return;
  isolated_ = isolated;
  log::warn("p2p", isolated ? "isolated: every peer disconnected, none accepted or dialled" : "rejoining the network");
  if (isolated) {
    for (auto& p : persistent_) p->timer.cancel(), p->resolver.cancel();
    for (auto& [session, link] : links_) link.session->close("isolated by the operator");
    return;
  }
  for (auto& p : persistent_) p->backoff.reset(), dial(*p);
}

void Network::Impl::send(const PeerId& to, const OutFrame& frame, Priority priority) {
  if (auto it = connected_.find(to); it != connected_.end()) push(*it->second, frame, priority);
}

// --- Network ---

Network::Network(asio::io_context& io, Config config, PrivateKey node_key, std::string chain_id, Hash32 genesis_hash,
                 Handler handler, metrics::Registry& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(node_key), std::move(chain_id), genesis_hash,
                                   std::move(handler), metrics)) {}

Network::~Network() { impl_->stop(); }

Result<void> Network::start() { return impl_->start(); }
void Network::stop() { impl_->stop(); }

namespace {
// A frame over max_frame_bytes would get this node banned by every peer it reached.
bool fits(const OutFrame& f, const Config& config) {
  if (f.bytes->size() <= config.max_frame_bytes) return true;
  log::error("p2p", "message not sent: larger than max_frame_bytes",
             {{"bytes", f.bytes->size()}, {"max_frame_bytes", config.max_frame_bytes}});
  return false;
}
}  // namespace

void Network::broadcast(pb::Envelope env, Priority priority, std::optional<PeerId> except) {
  broadcast(seal(std::move(env)), priority, except);
}

void Network::send(const PeerId& to, pb::Envelope env, Priority priority) { send(to, seal(std::move(env)), priority); }

void Network::broadcast(OutFrame f, Priority priority, std::optional<PeerId> except) {
  if (!fits(f, impl_->config_)) return;
  asio::post(impl_->io_, [impl = impl_, f = std::move(f), priority, except] { impl->broadcast(f, priority, except); });
}

void Network::send(const PeerId& to, OutFrame f, Priority priority) {
  if (!fits(f, impl_->config_)) return;
  asio::post(impl_->io_, [impl = impl_, to, f = std::move(f), priority] { impl->send(to, f, priority); });
}

void Network::report(const PeerId& peer, Offence offence, std::string reason) {
  asio::post(impl_->io_, [impl = impl_, peer, offence, reason = std::move(reason)] { impl->report(peer, offence, reason); });
}

void Network::set_height(uint64_t height) { impl_->height_ = height; }
void Network::set_isolated(bool isolated) {
  asio::post(impl_->io_, [impl = impl_, isolated] { impl->set_isolated(isolated); });
}
std::vector<PeerInfo> Network::peers() const { return impl_->peers(); }
uint16_t Network::listen_port() const { return impl_->listen_port_; }
const PeerId& Network::id() const { return impl_->key_.public_key(); }

}  // namespace ghost::p2p
