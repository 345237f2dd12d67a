#include "ml/tensor_opening.h"

#include <algorithm>
#include <string>

#include "ml/leaf_codec.h"

namespace ghost::ml {

pb::Multiproof multiproof_to_pb(const merkle::Multiproof& p) {
  pb::Multiproof out;
  out.set_n(p.n);
  out.mutable_indices()->Add(p.indices.begin(), p.indices.end());
  std::string* helpers = out.mutable_helpers();
  helpers->reserve(p.helpers.size() * Hash32::size());
  for (const auto& h : p.helpers) helpers->append(reinterpret_cast<const char*>(h.data()), h.size());
  return out;
}

Result<merkle::Multiproof> multiproof_from_pb(const pb::Multiproof& p) {
  merkle::Multiproof out;
  out.n = p.n();
  out.indices.assign(p.indices().begin(), p.indices().end());
  const ByteSpan helpers = as_bytes(p.helpers());
  if (helpers.size() % Hash32::size() != 0)
    return fail("multiproof helpers are " + std::to_string(helpers.size()) + " bytes, not a multiple of 32");
  out.helpers.reserve(helpers.size() / Hash32::size());
  for (size_t i = 0; i < helpers.size(); i += Hash32::size())
    out.helpers.push_back(Hash32::from_span(helpers.subspan(i, Hash32::size())));
  return out;
}

pb::TensorOpening make_opening(const merkle::Tree& tree, std::vector<uint64_t> indices, ByteSpan leaves,
                               LeafWire wire) {
  pb::TensorOpening out;
  const size_t leaf_bytes = indices.empty() ? 0 : leaves.size() / indices.size();
  if (wire.pick_shortest || wire.encoding != pb::LEAVES_RAW) {
    const EncodedLeaves encoded = encode_leaves(leaves, leaf_bytes, wire);
    out.set_encoding(encoded.encoding);
    out.set_leaves(encoded.bytes.data(), encoded.bytes.size());
  } else {  // the canonical bytes as they are, copied once
    out.set_encoding(pb::LEAVES_RAW);
    out.set_leaves(leaves.data(), leaves.size());
  }
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
