// The handshake's checks of what an unauthenticated peer sends (node/p2p/handshake.h), from
// the frame on: most inputs are edits (fuzz_seeds.h) of a real exchange's hello and proof,
// so the checks behind the decoder run. A handshake may complete only with the real peer's
// key, our chain and genesis, and the signature that peer made (the hello's nonce, height
// and listen address are not signed: docs/protocol.md §6.1).
#include <cstdlib>

#include "node/p2p/frame.h"
#include "node/p2p/handshake.h"
#include "proto/decode.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;
using namespace ghost::p2p;

namespace {

const std::string kChain = "fuzz-chain";
const Hash32 kGenesis = sha256(std::string_view("fuzz-genesis"));
const PrivateKey kOurs = PrivateKey::from_seed("fuzz-ours"), kTheirs = PrivateKey::from_seed("fuzz-theirs");
const Nonce kOurNonce{1, 2, 3}, kTheirNonce{4, 5, 6};

Handshake ours() { return Handshake(kOurs, kChain, kGenesis, "127.0.0.1:1", 1, kOurNonce); }

Bytes frame(pb::Handshake m) {
  pb::Envelope env;
  *env.mutable_handshake() = std::move(m);
  return *seal(std::move(env)).bytes;
}

// What the peer sends us in a real exchange: its hello, then its proof over our nonce.
struct Exchange {
  Bytes hello, proof;
  std::string signature;
};
Exchange real_exchange() {
  Handshake theirs(kTheirs, kChain, kGenesis, "127.0.0.1:2", 2, kTheirNonce);
  if (!theirs.receive(ours().hello())) std::abort();
  const pb::Handshake proof = theirs.proof();  // once: signatures use fresh randomness
  Exchange x{frame(theirs.hello()), frame(proof), proof.nonce_signature()};
  Handshake check = ours();  // the unedited exchange completes, or the target tests nothing
  if (!check.receive(theirs.hello()) || !check.receive(proof) || check.stage() != Handshake::Stage::kDone)
    std::abort();
  return x;
}

// What the network does with a frame before the handshake completes.
const pb::Handshake* feed(Handshake& hs, const Bytes& bytes, pb::Envelope& holder) {
  auto in = open_frame(bytes, false, kHandshakeFrameBytes);
  if (!in || !in->env.has_handshake()) return nullptr;
  holder = std::move(in->env);
  return hs.receive(holder.handshake()) ? &holder.handshake() : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Exchange x = real_exchange();
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 4;
  ++data, --size;
  const Bytes edited_hello = mode == 1 || mode == 3 ? fuzz::edited(x.hello, data, size) : x.hello;
  const Bytes edited_proof = mode == 2 || mode == 3 ? fuzz::edited(x.proof, data, size) : x.proof;
  Handshake hs = ours();
  pb::Envelope hello_env, proof_env;
  const pb::Handshake* hello = feed(hs, mode == 0 ? Bytes(data, data + size) : edited_hello, hello_env);
  if (!hello) return 0;
  // An accepted hello is of our chain and genesis, with a valid key and a 32-byte nonce.
  if (hello->chain_id() != kChain || hello->genesis_hash() != std::string(kGenesis.bytes.begin(), kGenesis.bytes.end()) ||
      hello->nonce().size() != 32 || hs.stage() != Handshake::Stage::kAwaitProof)
    std::abort();
  const pb::Handshake* proof = feed(hs, edited_proof, proof_env);
  if (!proof) return 0;
  if (hs.stage() != Handshake::Stage::kDone || hs.peer_key() != kTheirs.public_key() ||
      proof->nonce_signature() != x.signature)
    std::abort();
  return 0;
}
