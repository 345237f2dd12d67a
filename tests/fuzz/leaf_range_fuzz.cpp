// The weight fetch's decoders of untrusted bytes (node/fetch/range.h): a LeafRangeRequest a
// peer asks, and a LeafRangeResponse a peer answers. Half the inputs are edits (fuzz_seeds.h)
// of a valid answer, so the opening and multiproof checks behind the parse run. An answer may
// only be accepted if its leaves are exactly the committed ones.
#include <cstdlib>

#include "ml/leaf_codec.h"
#include "node/fetch/range.h"
#include "tests/fuzz/fuzz_seeds.h"

using namespace ghost;

namespace {

constexpr uint64_t kLeaves = 37;
constexpr size_t kLeafBytes = 8;

Bytes leaf_data(uint64_t i) {
  Bytes b(kLeafBytes);
  for (size_t j = 0; j < kLeafBytes; ++j) b[j] = uint8_t(i * 31 + j);
  return b;
}

struct Fixture {
  merkle::Tree tree;
  fetch::RangeAsk ask{Hash32{}, 0, 0, 5, 9};
  Bytes valid;  // an answer to ask
  Fixture() {
    std::vector<Bytes> leaves;
    for (uint64_t i = 0; i < kLeaves; ++i) leaves.push_back(leaf_data(i));
    tree = merkle::Tree::build(kLeaves, [&](uint64_t i) { return ByteSpan(leaves[i]); });
    Bytes range;
    std::vector<uint64_t> idx;
    for (uint64_t i = ask.first; i < ask.first + ask.count; ++i) {
      idx.push_back(i);
      range.insert(range.end(), leaves[i].begin(), leaves[i].end());
    }
    pb::LeafRangeResponse r = fetch::refuse_range(ask, "");
    *r.mutable_leaves() = ml::make_opening(tree, idx, range, ml::LeafWire(pb::LEAVES_DELTA_ZSTD));
    valid = as_bytes_copy(r.SerializeAsString());
  }
  static Bytes as_bytes_copy(const std::string& s) { return Bytes(s.begin(), s.end()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture fx;
  pb::LeafRangeRequest req;
  if (req.ParseFromArray(data, int(size))) {
    auto ask = fetch::check_request(req);
    if (ask && (ask->count == 0 || ask->count > fetch::kMaxRangeLeaves)) std::abort();
  }
  const bool edit = size > 0 && data[0] % 2 == 0;
  const Bytes bytes = edit ? fuzz::edited(fx.valid, data + 1, size - 1) : Bytes(data, data + size);
  pb::LeafRangeResponse resp;
  if (!resp.ParseFromArray(bytes.data(), int(bytes.size()))) return 0;
  auto got = fetch::check_response(resp, fx.ask, {kLeaves, kLeafBytes, fx.tree.root()});
  if (!got) {
    if (got.error().offence != p2p::Offence::kBadWeights) std::abort();
    return 0;
  }
  if (got->first != fx.ask.first || got->count == 0 || got->count > fx.ask.count ||
      got->leaves.size() != got->count * kLeafBytes)
    std::abort();
  for (uint64_t i = 0; i < got->count; ++i)
    if (!std::equal(got->leaves.begin() + i * kLeafBytes, got->leaves.begin() + (i + 1) * kLeafBytes,
                    leaf_data(fx.ask.first + i).begin()))
      std::abort();
  return 0;
}
