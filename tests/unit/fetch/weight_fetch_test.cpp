#include "node/fetch/weight_fetch.h"

#include "tests/unit/fetch/fetch_kit.h"

namespace ghost::fetch {
namespace {

using test::Source;
using test::TempDir;

// Answers every ask from `src` until `limit` ranges were kept; returns how many were.
size_t serve_all(WeightFetch& f, const Source& src, size_t limit = SIZE_MAX) {
  size_t kept = 0;
  while (kept < limit) {
    auto ask = f.next();
    if (!ask) break;
    auto resp = serve_range(src.store(), *ask);
    EXPECT_TRUE(resp);
    auto got = f.answer(*ask, *resp);
    EXPECT_TRUE(got && *got);
    ++kept;
  }
  return kept;
}

TEST(WeightFetch, FetchedFolderEqualsTheBuiltOne) {
  Source src(3000, 256);  // 1 KiB leaves: W_K takes 1 range of 3000, W_V 1
  TempDir out("fetch-out");
  auto f = WeightFetch::open(out.path / "m", src.file, src.version);
  ASSERT_TRUE(f) << f.error().message;
  uint64_t search_bytes = 0;  // the codes L0.C and graph L0.G are fetched too
  for (const auto& t : ml::search_tensors(src.version.layers[0], 0)) search_bytes += t.leaf_count * t.leaf_bytes();
  EXPECT_GT(search_bytes, 0u);
  EXPECT_EQ((*f)->total_bytes(), 3000u * 1024 + 3000u * 16 + search_bytes);
  serve_all(**f, src);
  ASSERT_TRUE((*f)->complete());
  ASSERT_TRUE((*f)->finish(1));
  auto m = ml::Model::open(out.path / "m", {});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)->store().roots(), src.store().roots());  // the search tensors fetched, not rebuilt
  EXPECT_EQ((*m)->layers(), src.model->layers());         // with the graph fields
  EXPECT_TRUE((*m)->index(0));
  EXPECT_EQ(ml::load_ghost_file(out.path / "m" / "model.ghost")->SerializeAsString(), src.file.SerializeAsString());
  EXPECT_FALSE(std::filesystem::exists(out.path / "m" / kJournalDir));
}

TEST(WeightFetch, ResumesFromTheJournalAfterAStop) {
  Source src(20000, 256);  // W_K and W_V: 5 ranges each (4096 leaves: 4 MiB of W_K, 64 KiB of W_V)
  TempDir out("fetch-out");
  uint64_t done_first = 0;
  {
    auto f = WeightFetch::open(out.path / "m", src.file, src.version);
    ASSERT_TRUE(f);
    EXPECT_EQ(serve_all(**f, src, 3), 3u);
    auto in_flight = (*f)->next();  // asked, never answered: must be asked again
    ASSERT_TRUE(in_flight);
    done_first = (*f)->done_bytes();
    EXPECT_EQ(done_first, 3u * 4096 * 1024);
  }
  auto f = WeightFetch::open(out.path / "m", src.file, src.version);
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)->done_bytes(), done_first);
  // The 2 W_K ranges left (one was in flight), W_V's 5, and 5 each of the codes and graph.
  EXPECT_EQ(serve_all(**f, src), 17u);
  ASSERT_TRUE((*f)->finish(1));
  auto m = ml::Model::open(out.path / "m", {});
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->store().roots(), src.store().roots());
}

TEST(WeightFetch, ABadAnswerKeepsNothingAndTheRangeIsAskedAgain) {
  Source src;
  Source liar(300, 16, 10);
  TempDir out("fetch-out");
  auto f = WeightFetch::open(out.path / "m", src.file, src.version);
  ASSERT_TRUE(f);
  auto ask = (*f)->next();
  auto got = (*f)->answer(*ask, *serve_range(liar.store(), *ask));
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().offence, p2p::Offence::kBadWeights);
  EXPECT_EQ((*f)->done_bytes(), 0u);
  auto again = (*f)->next();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->tensor, ask->tensor);
  EXPECT_EQ(again->first, ask->first);
  // An answer to a range not asked (any more) is a protocol slip, not kept.
  (*f)->release(*again);
  auto stray = (*f)->answer(*ask, *serve_range(src.store(), *ask));
  ASSERT_TRUE(stray);
  EXPECT_EQ(stray->error().offence, p2p::Offence::kProtocol);
  EXPECT_FALSE((*f)->finish(1));  // not complete
  EXPECT_FALSE(std::filesystem::exists(out.path / "m" / "model.json"));
}

TEST(WeightFetch, AJournalOfAnotherTargetIsRefused) {
  Source src;
  Source other(300, 16, 10);
  TempDir out("fetch-out");
  ASSERT_TRUE(WeightFetch::open(out.path / "m", src.file, src.version));
  auto f = WeightFetch::open(out.path / "m", other.file, other.version);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::kMismatch);
}

TEST(WeightFetch, AGhostFileWithoutItsSearchRootsIsRefused) {
  Source src;
  TempDir out("fetch-out");
  pb::GhostFile file = src.file;
  file.mutable_layers(0)->mutable_search_tensors(1)->clear_root();
  auto f = WeightFetch::open(out.path / "m", file, src.version);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("search tensor roots"), std::string::npos) << f.error().message;
  file.mutable_layers(0)->clear_search_tensors();
  EXPECT_FALSE(WeightFetch::open(out.path / "m", file, src.version));
  EXPECT_FALSE(std::filesystem::exists(out.path / "m" / "model.json"));
}

TEST(WeightFetch, AFolderHoldingAModelIsRefused) {
  Source src;
  auto f = WeightFetch::open(src.dir.path / "m", src.file, src.version);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::kExists);
}

}  // namespace
}  // namespace ghost::fetch
