#include "node/fetch/range.h"

#include "tests/unit/fetch/fetch_kit.h"

namespace ghost::fetch {
namespace {

using test::Source;

ml::TensorCommitment commitment_of(const ml::WeightStore& s, uint32_t t) {
  return {s.shape(t).leaf_count, s.shape(t).leaf_bytes(), s.root(t)};
}

TEST(LeafRange, ServedRangeVerifiesAgainstTheRoot) {
  Source src;
  const RangeAsk ask{src.version.model_id, 0, 0, 10, 50};
  auto resp = serve_range(src.store(), ask);
  ASSERT_TRUE(resp) << resp.error().message;
  auto got = check_response(*resp, ask, commitment_of(src.store(), 0));
  ASSERT_TRUE(got) << got.error().reason;
  EXPECT_EQ(got->first, 10u);
  EXPECT_EQ(got->count, 50u);
  EXPECT_EQ(got->leaves.size(), 50u * 64);
  EXPECT_EQ(Bytes(got->leaves.begin(), got->leaves.begin() + 64), *src.store().leaf_bytes(0, 10));
}

TEST(LeafRange, CappedAtTheTensorEndAndByBytes) {
  Source src;
  auto end = serve_range(src.store(), {src.version.model_id, 0, 1, 290, 100});
  ASSERT_TRUE(end);
  EXPECT_EQ(end->leaves().proof().indices_size(), 10);  // 300 rows
  Source wide(5000, 1024);  // 4 KiB leaves: 1024 fit in kMaxRangeBytes
  auto capped = serve_range(wide.store(), {wide.version.model_id, 0, 0, 0, kMaxRangeLeaves});
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->leaves().proof().indices_size(), int(kMaxRangeBytes / 4096));
  EXPECT_TRUE(check_response(*capped, {wide.version.model_id, 0, 0, 0, kMaxRangeLeaves}, commitment_of(wide.store(), 0)));
}

TEST(LeafRange, NothingToServePastTheEnd) {
  Source src;
  EXPECT_FALSE(serve_range(src.store(), {src.version.model_id, 0, 0, 300, 1}));
  EXPECT_FALSE(serve_range(src.store(), {src.version.model_id, 0, 7, 0, 1}));
}

TEST(LeafRange, RequestBounds) {
  pb::LeafRangeRequest req = make_request({Hash32{}, 3, 1, 5, 10});
  auto ok = check_request(req);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->version, 3u);
  EXPECT_EQ(ok->count, 10u);
  req.set_count(0);
  EXPECT_EQ(check_request(req).error().offence, p2p::Offence::kProtocol);
  req.set_count(kMaxRangeLeaves + 1);
  EXPECT_EQ(check_request(req).error().offence, p2p::Offence::kProtocol);
  req.set_count(1);
  req.set_model_id("short");
  EXPECT_EQ(check_request(req).error().offence, p2p::Offence::kProtocol);
}

TEST(LeafRange, TamperedOrMismatchedAnswersAreBadWeights) {
  Source src;
  const RangeAsk ask{src.version.model_id, 0, 0, 0, 20};
  const auto c = commitment_of(src.store(), 0);
  const auto good = *serve_range(src.store(), ask);
  auto expect_bad = [&](const pb::LeafRangeResponse& r, const RangeAsk& a) {
    auto got = check_response(r, a, c);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().offence, p2p::Offence::kBadWeights) << got.error().reason;
  };
  auto tampered = good;
  (*tampered.mutable_leaves()->mutable_leaves())[7] ^= 1;
  expect_bad(tampered, ask);
  expect_bad(good, RangeAsk{ask.model_id, 0, 0, 0, 19});  // more leaves than asked
  expect_bad(good, RangeAsk{ask.model_id, 0, 0, 1, 20});  // another first leaf
  expect_bad(good, RangeAsk{ask.model_id, 1, 0, 0, 20});  // another version
  auto other_tensor = good;
  other_tensor.set_tensor(1);
  expect_bad(other_tensor, ask);
  auto empty = good;
  empty.clear_leaves();
  expect_bad(empty, ask);
  // Leaves of another model (same shape, other seed) with their own valid proof.
  Source other(300, 16, 10);
  expect_bad(*serve_range(other.store(), ask), ask);
  auto r = serve_range(src.store(), RangeAsk{ask.model_id, 0, 0, 20, 20});
  r->set_first(0);
  expect_bad(*r, ask);  // leaves 20.. presented as 0..
}

TEST(LeafRange, RefusalNamesTheRange) {
  const RangeAsk ask{Hash32{}, 2, 1, 4, 8};
  auto r = refuse_range(ask, "no such model here");
  EXPECT_EQ(r.refused(), "no such model here");
  EXPECT_EQ(r.first(), 4u);
  EXPECT_FALSE(r.has_leaves());
}

}  // namespace
}  // namespace ghost::fetch
