// A peer that is not a Network: a plain Beast WebSocket client on its own io_context that
// sends whatever a test wants (garbage, text, oversize frames, floods) and can run the
// handshake by hand. Every operation gives up after `timeout`. (Beast is compiled once, in
// raw_peer.cpp, not in every test file.)
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "proto/p2p.pb.h"

namespace ghost::p2p::test {

class RawPeer {
 public:
  // Connects to 127.0.0.1:port; upgraded() says whether the WebSocket came up.
  explicit RawPeer(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(3));
  ~RawPeer();

  bool tcp_connected() const;
  bool upgraded() const;

  bool send_bytes(ByteSpan bytes);
  bool send(pb::Envelope env);
  bool send_text(std::string_view text);

  // The next envelope from the node, or nothing when none came in time or the connection closed.
  std::optional<pb::Envelope> read();

  // Reads until the node closes the connection; true when it did within the timeout.
  bool closed_by_node();

  // The handshake of docs/protocol.md §6.1 with `key`; `corrupt_proof` flips a bit of our
  // signature. True when the node's hello and proof both came and checked out.
  bool handshake(const PrivateKey& key, const std::string& chain_id, const Hash32& genesis, bool corrupt_proof = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghost::p2p::test
