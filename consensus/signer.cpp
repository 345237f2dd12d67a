#include "consensus/signer.h"

#include <cstring>

#include "proto/decode.h"

namespace ghost::consensus {

namespace {
constexpr char kMagic[4] = {'G', 'S', 'G', '1'};
constexpr size_t kStateBytes = 4 + 8 + 4 + 1 + 32 + 64 + 32;

std::string position(uint64_t h, uint32_t r, Step s) {
  return std::to_string(h) + "/" + std::to_string(r) + "/" + std::to_string(int(s));
}
}  // namespace

Bytes Signer::encode_state(const SignState& s) {
  Bytes out(kMagic, kMagic + 4);
  put_u64le(out, s.height);
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(s.round >> (8 * i)));
  out.push_back(uint8_t(s.step));
  out.insert(out.end(), s.digest.bytes.begin(), s.digest.bytes.end());
  out.insert(out.end(), s.signature.bytes.begin(), s.signature.bytes.end());
  Hash32 check = sha256(out);
  out.insert(out.end(), check.bytes.begin(), check.bytes.end());
  return out;
}

Result<SignState> Signer::decode_state(ByteSpan d) {
  if (d.size() != kStateBytes) return fail("signer state is " + std::to_string(d.size()) + " bytes, expected " +
                                           std::to_string(kStateBytes));
  if (std::memcmp(d.data(), kMagic, 4) != 0) return fail("signer state has a wrong magic");
  if (sha256(d.first(kStateBytes - 32)) != Hash32::from_span(d.last(32))) return fail("signer state checksum mismatch");
  SignState s;
  s.height = get_u64le(d.data() + 4);
  s.round = uint32_t(d[12]) | uint32_t(d[13]) << 8 | uint32_t(d[14]) << 16 | uint32_t(d[15]) << 24;
  if (d[16] < 1 || d[16] > 3) return fail("signer state has an unknown step");
  s.step = Step(d[16]);
  s.digest = Hash32::from_span(d.subspan(17, 32));
  std::memcpy(s.signature.bytes.data(), d.data() + 49, 64);
  return s;
}

Result<Signer> Signer::open(PrivateKey key, std::string chain_id, DurableStore& store, std::string file) {
  auto data = store.read(file);
  if (!data) return fail("reading signer state: " + data.error().message);
  SignState last;
  if (*data) {
    auto s = decode_state(**data);
    if (!s) return fail("signer state " + file + ": " + s.error().message);
    last = *s;
  }
  return Signer(std::move(key), std::move(chain_id), store, std::move(file), last);
}

Result<Signature> Signer::sign(SignDomain domain, uint64_t h, uint32_t r, Step s, ByteSpan message) {
  Hash32 digest = signing_hash(domain, chain_id_, message);
  if (!last_.empty()) {
    auto at = std::tuple(h, r, s), prev = std::tuple(last_.height, last_.round, last_.step);
    if (at == prev) {
      if (digest == last_.digest) return last_.signature;
      return fail("refusing to sign a conflicting message at " + position(h, r, s));
    }
    if (at < prev)
      return fail("refusing to sign at " + position(h, r, s) + ", already signed at " +
                  position(last_.height, last_.round, last_.step));
  }
  if (before_sign_)
    if (auto b = before_sign_(); !b) return fail("not signing: " + b.error().message);
  // Zero auxiliary randomness keeps signatures deterministic (BIP-340 allows it): a replayed
  // run signs byte-identical messages.
  SignState next{h, r, s, digest, key_.sign_hash(digest, std::array<uint8_t, 32>{})};
  if (auto w = store_->write_atomic(file_, encode_state(next)); !w)
    return fail("persisting signer state: " + w.error().message);
  last_ = next;
  return next.signature;
}

Result<pb::SignedVote> Signer::sign_vote(const pb::Vote& vote) {
  if (vote.type() != pb::PREVOTE && vote.type() != pb::PRECOMMIT) return fail("can only sign prevotes and precommits");
  Step s = vote.type() == pb::PREVOTE ? Step::kPrevote : Step::kPrecommit;
  auto sig = sign(SignDomain::kVote, vote.height(), vote.round(), s, pb::encode(vote));
  if (!sig) return std::unexpected(sig.error());
  pb::SignedVote sv;
  *sv.mutable_vote() = vote;
  sv.set_signature(sig->bytes.data(), sig->bytes.size());
  return sv;
}

Result<pb::SignedProposal> Signer::sign_proposal(const pb::Proposal& proposal) {
  auto sig = sign(SignDomain::kProposal, proposal.height(), proposal.round(), Step::kPropose, pb::encode(proposal));
  if (!sig) return std::unexpected(sig.error());
  pb::SignedProposal sp;
  *sp.mutable_proposal() = proposal;
  sp.set_signature(sig->bytes.data(), sig->bytes.size());
  return sp;
}

}  // namespace ghost::consensus
