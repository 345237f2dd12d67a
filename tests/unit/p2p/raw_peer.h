// A peer that is not a Network: a plain Beast WebSocket client on its own io_context that
// sends whatever a test wants (garbage, text, oversize frames, floods) and can run the
// handshake by hand. Every operation gives up after `timeout`.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <optional>

#include "node/p2p/frame.h"
#include "node/p2p/handshake.h"
#include "proto/decode.h"

namespace ghost::p2p::test {

class RawPeer {
 public:
  using error_code = boost::system::error_code;
  using tcp = boost::asio::ip::tcp;

  // Connects to 127.0.0.1:port; upgraded() says whether the WebSocket came up.
  explicit RawPeer(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(3)) : timeout_(timeout) {
    error_code ec = run([&](auto done) {
      ws_.next_layer().async_connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), done);
    });
    tcp_connected_ = !ec;
    if (ec) return;
    ec = run([&](auto done) { ws_.async_handshake("127.0.0.1:" + std::to_string(port), "/", done); });
    upgraded_ = !ec;
    ws_.binary(true);
    ws_.read_message_max(64u << 20);
  }

  bool tcp_connected() const { return tcp_connected_; }
  bool upgraded() const { return upgraded_; }

  bool send_bytes(ByteSpan bytes) {
    ws_.binary(true);
    return !run([&](auto done) { ws_.async_write(boost::asio::buffer(bytes.data(), bytes.size()), done); });
  }
  bool send(pb::Envelope env) { return send_bytes(*seal(std::move(env)).bytes); }
  bool send_text(std::string_view text) {
    ws_.text(true);
    return !run([&](auto done) { ws_.async_write(boost::asio::buffer(text.data(), text.size()), done); });
  }

  // The next envelope from the node, or nothing when none came in time or the connection closed.
  std::optional<pb::Envelope> read() {
    buffer_.clear();
    if (run([&](auto done) { ws_.async_read(buffer_, done); })) return std::nullopt;
    auto env = pb::decode_as<pb::Envelope>(
        ByteSpan(static_cast<const uint8_t*>(buffer_.cdata().data()), buffer_.size()), 64u << 20);
    if (!env) return std::nullopt;
    return *env;
  }

  // Reads until the node closes the connection; true when it did within the timeout.
  bool closed_by_node() {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (std::chrono::steady_clock::now() < deadline) {
      buffer_.clear();
      const error_code ec = run([&](auto done) { ws_.async_read(buffer_, done); });
      if (ec == boost::asio::error::timed_out) return false;  // run() closed the socket itself
      if (ec) return true;
    }
    return false;
  }

  // The handshake of docs/protocol.md §6.1 with `key`; `corrupt_proof` flips a bit of our
  // signature. True when the node's hello and proof both came and checked out.
  bool handshake(const PrivateKey& key, const std::string& chain_id, const Hash32& genesis, bool corrupt_proof = false) {
    Handshake hs(key, chain_id, genesis, "", 0, random_nonce());
    if (!send(wrap(hs.hello()))) return false;
    auto hello = read();
    if (!hello || !hello->has_handshake() || !hs.receive(hello->handshake())) return false;
    pb::Handshake proof = hs.proof();
    if (corrupt_proof) (*proof.mutable_nonce_signature())[0] ^= 1;
    if (!send(wrap(proof))) return false;
    auto theirs = read();
    return theirs && theirs->has_handshake() && hs.receive(theirs->handshake()) &&
           hs.stage() == Handshake::Stage::kDone;
  }

 private:
  static pb::Envelope wrap(pb::Handshake m) {
    pb::Envelope env;
    *env.mutable_handshake() = std::move(m);
    return env;
  }

  // Starts an operation with a completion handler and runs until it completes; after the
  // timeout the socket is closed (so the operation ends) and timed_out is returned.
  template <class Start>
  error_code run(Start start) {
    std::optional<error_code> result;
    start([&](const error_code& ec, auto&&...) { result = ec; });
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (!result && std::chrono::steady_clock::now() < deadline) io_.run_one_until(deadline);
    if (result) return *result;
    error_code ignored;
    ws_.next_layer().close(ignored);
    while (!result) io_.run_one();
    return boost::asio::error::timed_out;
  }

  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  boost::beast::websocket::stream<tcp::socket> ws_{io_};
  boost::beast::flat_buffer buffer_;
  bool tcp_connected_ = false;
  bool upgraded_ = false;
};

}  // namespace ghost::p2p::test
