#include "node/p2p/handshake.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace ghost::p2p {

Nonce random_nonce() {
  Nonce n;
  if (RAND_bytes(n.data(), int(n.size())) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  return n;
}

Bytes proof_message(const Nonce& nonce, const Hash32& genesis_hash, const PublicKey& signer) {
  Bytes m(nonce.begin(), nonce.end());
  m.insert(m.end(), genesis_hash.bytes.begin(), genesis_hash.bytes.end());
  m.insert(m.end(), signer.bytes.begin(), signer.bytes.end());
  return m;
}

Handshake::Handshake(PrivateKey key, std::string chain_id, const Hash32& genesis_hash, std::string listen_addr,
                     uint64_t height, const Nonce& nonce)
    : key_(std::move(key)),
      chain_id_(std::move(chain_id)),
      genesis_hash_(genesis_hash),
      listen_addr_(std::move(listen_addr)),
      height_(height),
      nonce_(nonce) {}

pb::Handshake Handshake::hello() const {
  pb::Handshake m;
  m.set_chain_id(chain_id_);
  m.set_genesis_hash(genesis_hash_.bytes.data(), genesis_hash_.size());
  m.set_node_pubkey(key_.public_key().bytes.data(), key_.public_key().bytes.size());
  m.set_nonce(nonce_.data(), nonce_.size());
  m.set_listen_addr(listen_addr_);
  m.set_height(height_);
  return m;
}

pb::Handshake Handshake::proof() const {
  if (stage_ == Stage::kAwaitHello) throw std::logic_error("Handshake::proof before the peer's hello");
  const Signature sig = key_.sign(SignDomain::kP2pHandshake, chain_id_,
                                  proof_message(peer_nonce_, genesis_hash_, key_.public_key()));
  pb::Handshake m;
  m.set_nonce_signature(sig.bytes.data(), sig.bytes.size());
  return m;
}

Result<void> Handshake::receive(const pb::Handshake& message) {
  switch (stage_) {
    case Stage::kAwaitHello: return receive_hello(message);
    case Stage::kAwaitProof: return receive_proof(message);
    case Stage::kDone: break;
  }
  return fail("a handshake message after the handshake completed");
}

Result<void> Handshake::receive_hello(const pb::Handshake& m) {
  if (m.chain_id() != chain_id_)
    return fail(Errc::kMismatch, "chain id is '" + m.chain_id().substr(0, 64) + "', ours is '" + chain_id_ + "'");
  if (!std::ranges::equal(as_bytes(m.genesis_hash()), genesis_hash_.bytes))
    return fail(Errc::kMismatch, "genesis hash is " + to_hex(as_bytes(m.genesis_hash()).first(
                                                          std::min<size_t>(m.genesis_hash().size(), 32))) +
                                     ", ours is " + genesis_hash_.hex());
  auto key = PublicKey::from_bytes(as_bytes(m.node_pubkey()));
  if (!key) return fail("node_pubkey is not a valid public key");
  if (m.nonce().size() != Nonce().size()) return fail("the nonce is not 32 bytes");
  if (!m.nonce_signature().empty()) return fail("a hello carries no nonce_signature");
  if (m.listen_addr().size() > kMaxListenAddrBytes) return fail("listen_addr is too long");
  peer_key_ = *key;
  std::ranges::copy(m.nonce(), peer_nonce_.begin());
  peer_hello_ = m;
  stage_ = Stage::kAwaitProof;
  return {};
}

Result<void> Handshake::receive_proof(const pb::Handshake& m) {
  pb::Handshake rest = m;
  rest.clear_nonce_signature();
  if (rest.ByteSizeLong() != 0) return fail("a proof carries nothing but nonce_signature");
  auto sig = Signature::from_bytes(as_bytes(m.nonce_signature()));
  if (!sig) return fail("nonce_signature is not 64 bytes");
  if (!verify(peer_key_, SignDomain::kP2pHandshake, chain_id_, proof_message(nonce_, genesis_hash_, peer_key_), *sig))
    return fail("nonce_signature does not verify under the peer's node key");
  stage_ = Stage::kDone;
  return {};
}

}  // namespace ghost::p2p
