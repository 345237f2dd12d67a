// Persistent peers: dialled at start, and again with backoff whenever they are not connected.
#include "node/log/log.h"
#include "node/p2p/impl.h"

namespace ghost::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void Network::Impl::dial(PersistentPeer& p) {
  if (stopping_ || isolated_ || p.dialling || p.waiting) return;
  if (p.key == key_.public_key()) return;                  // this node itself (logged when found)
  if (p.key && connected_.contains(*p.key)) return;         // redialled when it goes
  if (p.key && key_bans_.banned(*p.key, Clock::now())) return redial_later(p);
  if (size_t(std::ranges::count_if(persistent_, [](const auto& q) { return q->dialling; })) >= config_.max_outbound)
    return redial_later(p);
  p.dialling = true;
  p.resolver.async_resolve(
      p.address.host, std::to_string(p.address.port), tcp::resolver::numeric_service,
      [self = shared_from_this(), &p](const boost::system::error_code& ec, tcp::resolver::results_type found) {
        if (self->stopping_ || self->isolated_) {
          p.dialling = false;
          return;
        }
        const bool allowed = std::ranges::any_of(found, [&](const auto& e) { return !self->banned(e.endpoint().address()); });
        if (ec || !allowed) {
          log::warn("p2p", ec ? "cannot resolve a persistent peer" : "a persistent peer's address is banned",
                    {{"peer", p.address.host_port()}, {"error", ec ? ec.message() : std::string()}});
          p.dialling = false;
          return self->redial_later(p);
        }
        self->open_link(Session::dialled(self->io_, std::move(found), p.address.host_port(), self->limits(), self->events()),
                        &p);
      });
}

void Network::Impl::redial_later(PersistentPeer& p) {
  if (stopping_ || isolated_ || p.dialling || p.waiting) return;
  if (p.key && connected_.contains(*p.key)) return;
  p.waiting = true;
  const auto delay = p.backoff.next();
  log::debug("p2p", "redialling a persistent peer", {{"peer", p.address.host_port()}, {"in_ms", uint64_t(delay.count())}});
  p.timer.expires_after(delay);
  p.timer.async_wait([self = shared_from_this(), &p](const boost::system::error_code& ec) {
    p.waiting = false;
    if (!ec) self->dial(p);
  });
}

// Persistent peers not dialled because this peer was connected through another connection.
void Network::Impl::redial_waiting_for(const PeerId& id) {
  for (auto& p : persistent_)
    if (p->key == id) redial_later(*p);
}

}  // namespace ghost::p2p
