#include "ml/leaf_codec.h"

#include <zstd.h>

#include <memory>
#include <string>

namespace ghost::ml {
namespace {

constexpr int kZstdLevel = 3;

// In place: leaf i becomes leaf i XOR leaf i-1 (encode walks backwards, decode forwards).
void xor_delta(Bytes& b, size_t leaf_bytes) {
  for (size_t off = b.size(); off >= 2 * leaf_bytes; off -= leaf_bytes)
    for (size_t j = off - leaf_bytes; j < off; ++j) b[j] ^= b[j - leaf_bytes];
}

void xor_undelta(Bytes& b, size_t leaf_bytes) {
  for (size_t j = leaf_bytes; j < b.size(); ++j) b[j] ^= b[j - leaf_bytes];
}

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

}  // namespace

Bytes encode_leaves(ByteSpan canonical, size_t leaf_bytes, pb::LeafEncoding encoding) {
  Bytes plain(canonical.begin(), canonical.end());
  if (encoding == pb::LEAVES_RAW) return plain;
  if (encoding == pb::LEAVES_DELTA_ZSTD && leaf_bytes > 0) xor_delta(plain, leaf_bytes);
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> cctx(ZSTD_createCCtx());
  Bytes out(ZSTD_compressBound(plain.size()));
  size_t n = ZSTD_compressCCtx(cctx.get(), out.data(), out.size(), plain.data(), plain.size(), kZstdLevel);
  out.resize(ZSTD_isError(n) ? 0 : n);  // cannot fail with a bound-sized buffer
  return out;
}

EncodedLeaves encode_leaves(ByteSpan canonical, size_t leaf_bytes, LeafWire wire) {
  if (!wire.pick_shortest) return {wire.encoding, encode_leaves(canonical, leaf_bytes, wire.encoding)};
  EncodedLeaves best{pb::LEAVES_RAW, Bytes(canonical.begin(), canonical.end())};
  for (auto e : {pb::LEAVES_ZSTD, pb::LEAVES_DELTA_ZSTD}) {
    Bytes b = encode_leaves(canonical, leaf_bytes, e);
    if (b.size() < best.bytes.size()) best = {e, std::move(b)};
  }
  return best;
}

Result<Bytes> decode_leaves(ByteSpan wire, pb::LeafEncoding encoding, size_t count, size_t leaf_bytes) {
  if (leaf_bytes != 0 && count > kMaxOpenedBytes / leaf_bytes)
    return fail(Errc::kTooLarge, "opening of " + std::to_string(count) + " leaves of " + std::to_string(leaf_bytes) +
                " bytes is over the " + std::to_string(kMaxOpenedBytes) + "-byte limit");
  const size_t expect = count * leaf_bytes;
  switch (encoding) {
    case pb::LEAVES_RAW:
      if (wire.size() != expect)
        return fail("raw leaves are " + std::to_string(wire.size()) + " bytes, expected " + std::to_string(expect));
      return Bytes(wire.begin(), wire.end());
    case pb::LEAVES_DELTA_ZSTD:
    case pb::LEAVES_ZSTD: {
      thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
      // One spare byte: a frame that fills it decodes to more than expected.
      Bytes out(expect + 1);
      size_t n = ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), wire.data(), wire.size());
      if (ZSTD_isError(n)) return fail(std::string("zstd leaves do not decode: ") + ZSTD_getErrorName(n));
      if (n != expect)
        return fail("zstd leaves decode to " + std::string(n > expect ? "more than " : "") + std::to_string(n) +
                    " bytes, expected " + std::to_string(expect));
      out.resize(expect);
      if (encoding == pb::LEAVES_DELTA_ZSTD) xor_undelta(out, leaf_bytes);
      return out;
    }
    default:
      return fail("unknown leaf encoding " + std::to_string(static_cast<int>(encoding)));
  }
}

}  // namespace ghost::ml
