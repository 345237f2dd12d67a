// A tensor opening: some leaves of one tensor, in ascending index order, with the multiproof
// that binds them to the tensor's committed root. The unit every proof is built from.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "base/result.h"
#include "ml/leaf_codec.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

pb::Multiproof multiproof_to_pb(const merkle::Multiproof& p);
// Fails unless the helpers are a whole number of 32-byte hashes.
Result<merkle::Multiproof> multiproof_from_pb(const pb::Multiproof& p);

// `leaves` holds the canonical bytes of the leaves at `indices` (ascending), concatenated.
pb::TensorOpening make_opening(const merkle::Tree& tree, std::vector<uint64_t> indices, ByteSpan leaves,
                               LeafWire wire);

// What the verifier knows about the tensor.
struct TensorCommitment {
  uint64_t leaf_count = 0;
  size_t leaf_bytes = 0;
  Hash32 root;
};

struct CheckedOpening {
  merkle::Multiproof proof;
  Bytes leaves;  // canonical bytes, proof.indices.size() * leaf_bytes

  ByteSpan leaf(size_t r, size_t leaf_bytes) const { return ByteSpan(leaves).subspan(r * leaf_bytes, leaf_bytes); }
  std::vector<ByteSpan> leaf_spans(size_t leaf_bytes) const;
};

// Checks that the opening opens exactly `indices` of a tensor of `tensor.leaf_count` leaves,
// that its leaves decode to the right size, and that they hash to `tensor.root`.
Result<CheckedOpening> check_opening(const pb::TensorOpening& opening, const TensorCommitment& tensor,
                                     std::span<const uint64_t> indices);

}  // namespace ghost::ml
