#include "tests/unit/p2p/raw_peer.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "node/p2p/frame.h"
#include "node/p2p/handshake.h"
#include "proto/decode.h"

namespace ghost::p2p::test {

using error_code = boost::system::error_code;
using tcp = boost::asio::ip::tcp;

struct RawPeer::Impl {
  explicit Impl(std::chrono::milliseconds t) : timeout(t) {}

  // Starts an operation with a completion handler and runs until it completes; after the
  // timeout the socket is closed (so the operation ends) and timed_out is returned.
  template <class Start>
  error_code run(Start start) {
    std::optional<error_code> result;
    start([&](const error_code& ec, auto&&...) { result = ec; });
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_until(deadline);
    if (result) return *result;
    error_code ignored;
    ws.next_layer().close(ignored);
    while (!result) io.run_one();
    return boost::asio::error::timed_out;
  }

  std::chrono::milliseconds timeout;
  boost::asio::io_context io;
  boost::beast::websocket::stream<tcp::socket> ws{io};
  boost::beast::flat_buffer buffer;
  bool tcp_connected = false;
  bool upgraded = false;
};

namespace {
pb::Envelope wrap(pb::Handshake m) {
  pb::Envelope env;
  *env.mutable_handshake() = std::move(m);
  return env;
}
}  // namespace

RawPeer::RawPeer(uint16_t port, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>(timeout)) {
  Impl& p = *impl_;
  error_code ec = p.run([&](auto done) {
    p.ws.next_layer().async_connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), done);
  });
  p.tcp_connected = !ec;
  if (ec) return;
  ec = p.run([&](auto done) { p.ws.async_handshake("127.0.0.1:" + std::to_string(port), "/", done); });
  p.upgraded = !ec;
  p.ws.binary(true);
  p.ws.read_message_max(64u << 20);
}

RawPeer::~RawPeer() = default;

bool RawPeer::tcp_connected() const { return impl_->tcp_connected; }
bool RawPeer::upgraded() const { return impl_->upgraded; }

bool RawPeer::send_bytes(ByteSpan bytes) {
  Impl& p = *impl_;
  p.ws.binary(true);
  return !p.run([&](auto done) { p.ws.async_write(boost::asio::buffer(bytes.data(), bytes.size()), done); });
}

bool RawPeer::send(pb::Envelope env) { return send_bytes(*seal(std::move(env)).bytes); }

bool RawPeer::send_text(std::string_view text) {
  Impl& p = *impl_;
  p.ws.text(true);
  return !p.run([&](auto done) { p.ws.async_write(boost::asio::buffer(text.data(), text.size()), done); });
}

std::optional<pb::Envelope> RawPeer::read() {
  Impl& p = *impl_;
  p.buffer.clear();
  if (p.run([&](auto done) { p.ws.async_read(p.buffer, done); })) return std::nullopt;
  auto env = pb::decode_as<pb::Envelope>(ByteSpan(static_cast<const uint8_t*>(p.buffer.cdata().data()), p.buffer.size()),
                                         64u << 20);
  if (!env) return std::nullopt;
  return *env;
}

bool RawPeer::closed_by_node() {
  Impl& p = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + p.timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    p.buffer.clear();
    const error_code ec = p.run([&](auto done) { p.ws.async_read(p.buffer, done); });
    if (ec == boost::asio::error::timed_out) return false;  // run() closed the socket itself
    if (ec) return true;
  }
  return false;
}

bool RawPeer::handshake(const PrivateKey& key, const std::string& chain_id, const Hash32& genesis, bool corrupt_proof) {
  Handshake hs(key, chain_id, genesis, "", 0, random_nonce());
  if (!send(wrap(hs.hello()))) return false;
  auto hello = read();
  if (!hello || !hello->has_handshake() || !hs.receive(hello->handshake())) return false;
  pb::Handshake proof = hs.proof();
  if (corrupt_proof) (*proof.mutable_nonce_signature())[0] ^= 1;
  if (!send(wrap(proof))) return false;
  auto theirs = read();
  return theirs && theirs->has_handshake() && hs.receive(theirs->handshake()) && hs.stage() == Handshake::Stage::kDone;
}

}  // namespace ghost::p2p::test
