// Peer-to-peer networking: WebSocket connections carrying one pb::Envelope per binary frame,
// a handshake that proves both node keys and matches chain id and genesis hash, persistent
// peers with reconnect and backoff, inbound/outbound limits, bounded per-peer send queues,
// dedup of accepted messages, and misbehaviour scores that disconnect and ban.
//
// Threads: everything runs on the io_context passed in (the node's network thread); the
// public methods may be called from any thread. What a message means is the node's
// business: the network only frames, authenticates peers, deduplicates and polices.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "node/metrics/metrics.h"
#include "proto/p2p.pb.h"

namespace ghost::p2p {

struct Config {
  std::string listen = "0.0.0.0:26656";  // "host:port"; port 0 picks a free one; "" = no inbound
  std::string external_address;           // what peers are told to dial; "" = the listen address
  // "host:port", or "PUBKEYHEX@host:port" to also require that node key.
  std::vector<std::string> persistent_peers;
  uint32_t max_inbound = 40;
  uint32_t max_outbound = 10;
  uint64_t max_frame_bytes = 16u << 20;       // a larger frame is an offence
  uint64_t send_queue_bytes = 64u << 20;      // consensus and sync traffic; overflow drops the peer
  uint64_t gossip_queue_bytes = 8u << 20;     // txs; overflow drops the tx, not the peer
  uint64_t handshake_timeout_ms = 5000;
  uint64_t reconnect_min_ms = 250;            // persistent peers: doubled per failure, up to max
  uint64_t reconnect_max_ms = 30000;
  uint64_t ping_interval_ms = 10000;          // a peer silent for 3 intervals is dropped
  uint64_t ban_seconds = 600;
  int32_t ban_score = 100;                    // a peer's score reaching it bans the peer
  uint64_t max_messages_per_second = 20000;   // per peer, averaged over a few seconds
  uint64_t seen_capacity = 1u << 18;          // message ids remembered for dedup
};

using PeerId = PublicKey;  // the peer's node key, proven in the handshake

// Consensus traffic must arrive or the peer is useless; gossip (txs) may be dropped.
enum class Priority : uint8_t { kConsensus, kGossip };

// What a peer did wrong; each has a score (Network::offence_score).
enum class Offence : uint8_t {
  kUndecodable,   // a frame that is not an Envelope, or a text frame
  kOversize,      // a frame over max_frame_bytes
  kBadHandshake,  // wrong chain id or genesis hash, bad signature, unexpected handshake
  kBadSignature,  // a tx, vote or proposal whose signature does not verify
  kInvalidBlock,  // a block or commit that fails validation
  kFlood,         // over max_messages_per_second
  kProtocol,      // anything else against the protocol (wrong message id, bad request)
  kBadWeights,    // weight leaves that do not verify against the chain's root (node/fetch)
};

struct PeerInfo {
  PeerId id;
  std::string address;  // remote host:port as seen from here
  std::string listen;   // what the peer says it listens on
  bool outbound = false;
  uint64_t height = 0;  // from its handshake and NodeStatus messages
  uint64_t queued_bytes = 0;
  int32_t score = 0;
};

// H(encode(payload)): the id every node computes for a message, whatever the sender put
// in Envelope.message_id.
Hash32 message_id(const pb::Envelope& env);

// An envelope encoded once for any number of peers (node/p2p/frame.h seals them).
struct OutFrame {
  std::shared_ptr<const Bytes> bytes;
  Hash32 id;  // zero for a direct message
};

class Network {
 public:
  struct Handler {
    // A new (not yet accepted) message from an authenticated peer. Return true when the
    // node accepted it: its id is then remembered and copies from other peers are dropped.
    // Return false for messages it may want again later (e.g. for a future height). The
    // handler may move parts out of `env` (a 4 MiB leaf range is not copied).
    std::function<bool(const PeerId& from, pb::Envelope& env)> on_message;
    std::function<void(const PeerInfo& peer)> on_connect;
    std::function<void(const PeerId& peer)> on_disconnect;
  };

  Network(boost::asio::io_context& io, Config config, PrivateKey node_key, std::string chain_id,
          Hash32 genesis_hash, Handler handler, metrics::Registry& metrics);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Binds the listen address (kIo with the reason when it is taken) and starts dialing the
  // persistent peers.
  Result<void> start();
  // Closes every connection and stops accepting and dialing; safe to call twice.
  void stop();

  // Sends to every connected peer except `except`; marks the message as seen.
  void broadcast(pb::Envelope env, Priority priority, std::optional<PeerId> except = std::nullopt);
  void send(const PeerId& to, pb::Envelope env, Priority priority);
  // The same for a frame sealed already (a tx from its bytes, node/p2p/frame.h).
  void broadcast(OutFrame frame, Priority priority, std::optional<PeerId> except = std::nullopt);
  void send(const PeerId& to, OutFrame frame, Priority priority);
  // Adds the offence's score to the peer; at Config::ban_score it is disconnected and its
  // key and address are refused for Config::ban_seconds.
  void report(const PeerId& peer, Offence offence, std::string reason);
  // This node's height, told to peers in the handshake.
  void set_height(uint64_t height);
  // Isolated: every connection is closed and no peer is accepted or dialled until it is
  // turned off again (the operator's partition drill; persistent peers are redialled then).
  void set_isolated(bool isolated);

  std::vector<PeerInfo> peers() const;
  uint16_t listen_port() const;  // the bound port (after start)
  const PeerId& id() const;
  static int32_t offence_score(Offence offence);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ghost::p2p
