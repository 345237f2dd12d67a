#include "consensus/bft/signer.h"

#include <cstring>

#include "proto/decode.h"

namespace ghost::bft {

namespace {
constexpr char kMagic[4] = {'G', 'S', 'G', '2'};
constexpr size_t kMaxEarlier = 256;  // beyond this many rounds, the oldest are forgotten (liveness only)

std::string position(uint64_t h, uint32_t r, Step s) {
  return std::to_string(h) + "/" + std::to_string(r) + "/" + std::to_string(int(s));
}
void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
void put_entry(Bytes& out, uint32_t round, Step step, const Hash32& digest, const Signature& sig) {
  put_u32(out, round);
  out.push_back(uint8_t(step));
  out.insert(out.end(), digest.bytes.begin(), digest.bytes.end());
  out.insert(out.end(), sig.bytes.begin(), sig.bytes.end());
}
constexpr size_t kEntryBytes = 4 + 1 + 32 + 64;
}  // namespace

Bytes Signer::encode_state(const SignState& s) {
  Bytes out(kMagic, kMagic + 4);
  put_u64le(out, s.height);
  put_entry(out, s.round, s.step, s.digest, s.signature);
  put_u32(out, uint32_t(s.earlier.size()));
  for (const auto& e : s.earlier) put_entry(out, e.round, e.step, e.digest, e.signature);
  Hash32 check = sha256(out);
  out.insert(out.end(), check.bytes.begin(), check.bytes.end());
  return out;
}

Result<SignState> Signer::decode_state(ByteSpan d) {
  constexpr size_t kFixed = 4 + 8 + kEntryBytes + 4 + 32;
  if (d.size() < kFixed) return fail(Errc::kCorrupt, "signer state is too short");
  if (std::memcmp(d.data(), kMagic, 4) != 0) return fail(Errc::kCorrupt, "signer state has a wrong magic");
  uint32_t n = get_u32(d.data() + 12 + kEntryBytes);
  if (n > kMaxEarlier || d.size() != kFixed + size_t(n) * kEntryBytes) return fail(Errc::kCorrupt, "signer state has a wrong length");
  if (sha256(d.first(d.size() - 32)) != Hash32::from_span(d.last(32))) return fail(Errc::kCorrupt, "signer state checksum mismatch");
  auto entry = [&](size_t at, uint32_t& round, Step& step, Hash32& digest, Signature& sig) -> Result<void> {
    round = get_u32(d.data() + at);
    if (d[at + 4] < 1 || d[at + 4] > 3) return fail(Errc::kCorrupt, "signer state has an unknown step");
    step = Step(d[at + 4]);
    digest = Hash32::from_span(d.subspan(at + 5, 32));
    std::memcpy(sig.bytes.data(), d.data() + at + 37, 64);
    return {};
  };
  SignState s;
  s.height = get_u64le(d.data() + 4);
  if (auto e = entry(12, s.round, s.step, s.digest, s.signature); !e) return std::unexpected(e.error());
  s.earlier.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto& x = s.earlier[i];
    if (auto e = entry(16 + kEntryBytes + i * kEntryBytes, x.round, x.step, x.digest, x.signature); !e)
      return std::unexpected(e.error());
  }
  return s;
}

Result<Signer> Signer::open(PrivateKey key, std::string chain_id, DurableStore& store, std::string file) {
  auto data = store.read(file);
  if (!data) return fail(data.error(), "reading signer state: ");
  SignState last;
  if (*data) {
    auto s = decode_state(**data);
    if (!s) return fail(s.error(), "signer state " + file + ": ");
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
      return fail(Errc::kDenied, "refusing to sign a conflicting message at " + position(h, r, s));
    }
    if (at < prev) {
      if (h == last_.height)
        for (const auto& e : last_.earlier)
          if (e.round == r && e.step == s && e.digest == digest) return e.signature;
      return fail(Errc::kDenied, "refusing to sign at " + position(h, r, s) + ", already signed at " +
                  position(last_.height, last_.round, last_.step));
    }
  }
  if (before_sign_)
    if (auto b = before_sign_(); !b) return fail(b.error(), "not signing: ");
  // Zero auxiliary randomness keeps signatures deterministic (BIP-340 allows it): a replayed
  // run signs byte-identical messages.
  SignState next{h, r, s, digest, key_.sign_hash(digest, std::array<uint8_t, 32>{}), {}};
  if (!last_.empty() && last_.height == h) {
    next.earlier = last_.earlier;
    next.earlier.push_back({last_.round, last_.step, last_.digest, last_.signature});
    if (next.earlier.size() > kMaxEarlier) next.earlier.erase(next.earlier.begin());
  }
  if (auto w = store_->write_atomic(file_, encode_state(next)); !w)
    return fail(w.error(), "persisting signer state: ");
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

}  // namespace ghost::bft
