#include "node/fetch/range.h"

#include <algorithm>
#include <string>

namespace ghost::fetch {

namespace {

std::string text(const Hash32& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

pb::LeafRangeResponse header_of(const RangeAsk& ask) {
  pb::LeafRangeResponse out;
  out.set_model_id(text(ask.model_id));
  out.set_version(ask.version);
  out.set_tensor(ask.tensor);
  out.set_first(ask.first);
  return out;
}

}  // namespace

p2p::Checked<RangeAsk> check_request(const pb::LeafRangeRequest& req) {
  if (req.model_id().size() != Hash32::size())
    return p2p::violation(p2p::Offence::kProtocol, "leaf range request: model id is not 32 bytes");
  if (req.count() == 0 || req.count() > kMaxRangeLeaves)
    return p2p::violation(p2p::Offence::kProtocol, "leaf range request: count " + std::to_string(req.count()) +
                                                       " is not 1.." + std::to_string(kMaxRangeLeaves));
  return RangeAsk{Hash32::from_span(as_bytes(req.model_id())), req.version(), req.tensor(), req.first(), req.count()};
}

pb::LeafRangeRequest make_request(const RangeAsk& ask) {
  pb::LeafRangeRequest out;
  out.set_model_id(text(ask.model_id));
  out.set_version(ask.version);
  out.set_tensor(ask.tensor);
  out.set_first(ask.first);
  out.set_count(ask.count);
  return out;
}

Result<pb::LeafRangeResponse> serve_range(const ml::WeightStore& store, const RangeAsk& ask) {
  if (ask.tensor >= store.tensor_count())
    return fail("tensor " + std::to_string(ask.tensor) + " of " + std::to_string(store.tensor_count()));
  const ml::TensorShape& shape = store.shape(ask.tensor);
  if (ask.first >= shape.leaf_count)
    return fail("leaf " + std::to_string(ask.first) + " of " + std::to_string(shape.leaf_count));
  const uint64_t by_bytes = std::max<uint64_t>(1, kMaxRangeBytes / shape.leaf_bytes());
  const uint64_t count = std::min({uint64_t(ask.count), shape.leaf_count - ask.first, by_bytes});
  Bytes leaves;
  if (auto read = store.read_leaves(ask.tensor, ask.first, count, leaves); !read) return std::unexpected(read.error());
  std::vector<uint64_t> indices(count);
  for (uint64_t i = 0; i < count; ++i) indices[i] = ask.first + i;
  pb::LeafRangeResponse out = header_of(ask);
  *out.mutable_leaves() = ml::make_opening(store.tree(ask.tensor), std::move(indices), leaves, ml::LeafWire());
  return out;
}

pb::LeafRangeResponse refuse_range(const RangeAsk& ask, std::string why) {
  pb::LeafRangeResponse out = header_of(ask);
  out.set_refused(std::move(why));
  return out;
}

p2p::Checked<VerifiedRange> check_response(const pb::LeafRangeResponse& resp, const RangeAsk& ask,
                                           const ml::TensorCommitment& tensor) {
  auto bad = [](std::string why) { return p2p::violation(p2p::Offence::kBadWeights, "leaf range: " + std::move(why)); };
  if (resp.model_id() != text(ask.model_id) || resp.version() != ask.version || resp.tensor() != ask.tensor ||
      resp.first() != ask.first)
    return bad("names another range than the one asked");
  const auto& got = resp.leaves().proof().indices();
  const uint64_t count = uint64_t(got.size());
  if (count == 0 || count > ask.count) return bad(std::to_string(count) + " leaves for " + std::to_string(ask.count) + " asked");
  std::vector<uint64_t> want(count);
  for (uint64_t i = 0; i < count; ++i) want[i] = ask.first + i;
  auto opened = ml::check_opening(resp.leaves(), tensor, want);
  if (!opened) return bad(opened.error().message);
  return VerifiedRange{ask.first, count, std::move(opened->leaves)};
}

}  // namespace ghost::fetch
