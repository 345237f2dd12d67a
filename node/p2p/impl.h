// Network's state and work. Everything here runs on the io_context's thread (the public
// methods post to it), except peers(), which reads the table of connected peers under
// table_mu_ (so the io thread takes it only to change that table).
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>

#include "node/p2p/address.h"
#include "node/p2p/backoff.h"
#include "node/p2p/ban_list.h"
#include "node/p2p/dispatcher.h"
#include "node/p2p/handshake.h"
#include "node/p2p/network.h"
#include "node/p2p/p2p_metrics.h"
#include "node/p2p/session.h"
#include "node/p2p/token_bucket.h"

namespace ghost::p2p {

// A peer from Config::persistent_peers: dialled, and redialled whenever it is not connected.
struct PersistentPeer {
  PeerAddress address;
  std::optional<PeerId> key;  // pinned, or learned from the first completed handshake
  Backoff backoff;
  boost::asio::steady_timer timer;
  boost::asio::ip::tcp::resolver resolver;
  bool dialling = false;  // a connection for it is open or being opened
  bool waiting = false;   // the timer runs
};

// One connection, from accept or dial until it closes.
struct Link {
  std::shared_ptr<Session> session;
  Handshake handshake;
  TokenBucket rate;
  PersistentPeer* persistent = nullptr;  // the peer this dial is for
  bool connected = false;                // the handshake completed and it is in the table
  PeerInfo info;                         // complete once connected; guarded by table_mu_ then
};

class Network::Impl : public std::enable_shared_from_this<Network::Impl> {
 public:
  using Clock = std::chrono::steady_clock;

  Impl(boost::asio::io_context& io, Config config, PrivateKey node_key, std::string chain_id, Hash32 genesis_hash,
       Handler handler, metrics::Registry& registry);

  // Called from any thread.
  Result<void> start();
  void stop();
  std::vector<PeerInfo> peers() const;

  // On the io thread.
  void broadcast(const OutFrame& frame, Priority priority, const std::optional<PeerId>& except);
  void send(const PeerId& to, const OutFrame& frame, Priority priority);
  void report(const PeerId& peer, Offence offence, const std::string& reason);
  void set_isolated(bool isolated);

  boost::asio::io_context& io_;
  const Config config_;
  const PrivateKey key_;
  const std::string chain_id_;
  const Hash32 genesis_hash_;
  std::atomic<uint64_t> height_{0};
  std::atomic<uint16_t> listen_port_{0};

 private:
  // links.cpp: connections and the handshake.
  void accept();
  void admit(boost::asio::ip::tcp::socket socket);
  void open_link(std::shared_ptr<Session> session, PersistentPeer* persistent);
  Session::Limits limits() const;
  Session::Events events();
  void on_open(Session& s);
  void on_frame(Session& s, ByteSpan frame, bool text);
  void take(Link& l, ByteSpan frame, bool text);  // one frame, alone or from a batch
  void on_closed(Session& s, const std::string& why);
  void handshake_step(Link& l, const pb::Handshake& m);
  std::optional<std::string> refusal(const Link& l);
  void complete(Link& l);
  void push(Link& l, const OutFrame& frame, Priority priority);
  size_t inbound_count() const;

  // dial.cpp: persistent peers.
  void dial(PersistentPeer& p);
  void redial_later(PersistentPeer& p);
  void redial_waiting_for(const PeerId& id);

  // police.cpp: offences, scores and bans.
  void offend(Link& l, const Violation& v);
  void penalize(Link& l, Offence offence, const std::string& reason);
  void ban(Link& l, const std::string& reason);
  bool banned(const boost::asio::ip::address& ip);

  void shut_down();

  Handler handler_;
  Metrics metrics_;
  Dispatcher dispatcher_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  bool isolated_ = false;
  std::string advertised_;  // our listen_addr in the handshake
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<PersistentPeer>> persistent_;
  std::map<const Session*, Link> links_;
  std::map<PeerId, Link*> connected_;  // changed under table_mu_
  mutable std::mutex table_mu_;
  BanList<PeerId> key_bans_;
  BanList<boost::asio::ip::address> ip_bans_;
};

}  // namespace ghost::p2p
