#include "ml/tensor_opening.h"

#include <algorithm>
#include <string>

#include "ml/leaf_codec.h"

namespace ghost::ml {

pb::Multiproof multiproof_to_pb(const merkle::Multiproof& p) {
  pb::Multiproof out;
  out.set_n(p.n);
  out.mutable_indices()->Add(p.indices.begin(), p.indices.end());
  for (const auto& h : p.helpers) out.add_helpers(std::string(h.bytes.begin(), h.bytes.end()));
  return out;
}

Result<merkle::Multiproof> multiproof_from_pb(const pb::Multiproof& p) {
  merkle::Multiproof out;
  out.n = p.n();
  out.indices.assign(p.indices().begin(), p.indices().end());
  out.helpers.reserve(size_t(p.helpers_size()));
  for (const auto& h : p.helpers()) {
    if (h.size() != Hash32::size())
      return fail("multiproof helper hash is " + std::to_string(h.size()) + " bytes, not 32");
    out.helpers.push_back(Hash32::from_span(as_bytes(h)));
  }
  return out;
}

pb::TensorOpening make_opening(const merkle::Tree& tree, std::vector<uint64_t> indices, ByteSpan leaves,
                               LeafWire wire) {
  pb::TensorOpening out;
  const size_t leaf_bytes = indices.empty() ? 0 : leaves.size() / indices.size();
  const EncodedLeaves encoded = encode_leaves(leaves, leaf_bytes, wire);
  out.set_encoding(encoded.encoding);
  out.set_leaves(std::string(encoded.bytes.begin(), encoded.bytes.end()));
  *out.mutable_proof() = multiproof_to_pb(tree.multiproof(std::move(indices)));
  return out;
}

std::vector<ByteSpan> CheckedOpening::leaf_spans(size_t leaf_bytes) const {
  std::vector<ByteSpan> spans(proof.indices.size());
  for (size_t r = 0; r < spans.size(); ++r) spans[r] = leaf(r, leaf_bytes);
  return spans;
}

Result<CheckedOpening> check_opening(const pb::TensorOpening& opening, const TensorCommitment& tensor,
                                     std::span<const uint64_t> indices) {
  const pb::Multiproof& mp = opening.proof();
  if (mp.n() != tensor.leaf_count)
    return fail("multiproof is over " + std::to_string(mp.n()) + " leaves, the tensor has " +
                std::to_string(tensor.leaf_count));
  if (!std::ranges::equal(mp.indices(), indices)) return fail("multiproof does not open the selected indices");
  auto proof = multiproof_from_pb(mp);
  if (!proof) return std::unexpected(proof.error());
  auto leaves = decode_leaves(as_bytes(opening.leaves()), opening.encoding(), indices.size(), tensor.leaf_bytes);
  if (!leaves) return std::unexpected(leaves.error());
  CheckedOpening out{std::move(*proof), std::move(*leaves)};
  if (auto v = merkle::verify_multiproof(out.proof, out.leaf_spans(tensor.leaf_bytes), tensor.root); !v)
    return std::unexpected(v.error());
  return out;
}

}  // namespace ghost::ml
