// Offences, scores and bans (docs/protocol.md §6.1).
#include "node/log/log.h"
#include "node/p2p/impl.h"

namespace ghost::p2p {

// Before the handshake completes nobody is proven: the connection goes, and a ban can only
// be of the address.
void Network::Impl::offend(Link& l, const Violation& v) {
  if (!l.connected) {
    metrics_.offence(v.offence).inc();
    const auto addr = l.session->remote().address();
    const bool ban_address = offence_score(v.offence) >= config_.ban_score && !is_loopback(addr);
    log::warn("p2p", v.offence == Offence::kBadHandshake ? "handshake failed" : "dropped a connection before its handshake",
              {{"addr", endpoint_text(l.session->remote())}, {"offence", offence_name(v.offence)}, {"reason", v.reason},
               {"address_banned", ban_address}});
    if (ban_address) ip_bans_.ban(addr, Clock::now()), metrics_.bans.inc();
    return l.session->close(std::string(offence_name(v.offence)) + ": " + v.reason);
  }
  penalize(l, v.offence, v.reason);
}

void Network::Impl::penalize(Link& l, Offence offence, const std::string& reason) {
  metrics_.offence(offence).inc();
  {
    std::lock_guard lock(table_mu_);
    l.info.score += offence_score(offence);
  }
  log::warn("p2p", "peer offence",
            {{"peer", l.info.id.hex()}, {"offence", offence_name(offence)}, {"reason", reason}, {"score", l.info.score}});
  if (l.info.score >= config_.ban_score) ban(l, reason);
}

void Network::Impl::ban(Link& l, const std::string& reason) {
  const auto now = Clock::now();
  key_bans_.ban(l.info.id, now);
  const auto addr = l.session->remote().address();
  if (!is_loopback(addr)) ip_bans_.ban(addr, now);
  metrics_.bans.inc();
  log::warn("p2p", "peer banned",
            {{"peer", l.info.id.hex()}, {"addr", l.info.address}, {"seconds", config_.ban_seconds}, {"reason", reason}});
  l.session->close("banned: " + reason);
}

void Network::Impl::report(const PeerId& peer, Offence offence, const std::string& reason) {
  if (auto it = connected_.find(peer); it != connected_.end()) return penalize(*it->second, offence, reason);
  // Gone already: only an offence that bans on its own still counts.
  metrics_.offence(offence).inc();
  if (offence_score(offence) < config_.ban_score) return;
  key_bans_.ban(peer, Clock::now());
  metrics_.bans.inc();
  log::warn("p2p", "peer banned", {{"peer", peer.hex()}, {"seconds", config_.ban_seconds}, {"reason", reason}});
}

bool Network::Impl::banned(const boost::asio::ip::address& ip) { return !is_loopback(ip) && ip_bans_.banned(ip, Clock::now()); }

}  // namespace ghost::p2p
