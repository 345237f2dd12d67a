// The canonical search (ml/graph_search.h) and the graph it runs on (ml/serve/graph_build.h):
// the same tensors give the same columns, every reading error is an error, and the search
// finds nearly all of the exact top-k.
#include "ml/graph_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "ml/canonical.h"
#include "ml/column_codes.h"
#include "ml/serve/graph_build.h"
#include "ml/serve/model.h"
#include "ml/serve/search_index.h"
#include "ml/serve/synthetic.h"
#include "tests/temp_dir.h"

namespace ghost::ml {
namespace {

using ghost::test::TempDir;

SyntheticParams clustered() { return {.n = 4000, .d = 32, .d_out = 4, .k = 8, .beta = 12, .seed = 5, .latent = 8}; }

struct Built {
  LayerSpec layer;
  ColumnMatrix keys;
  std::unique_ptr<SearchIndex> index;

  explicit Built(const SyntheticParams& p, uint32_t ef = kDefaultEf, uint32_t m = kDefaultGraphM) {
    layer = synthetic_layer(p);
    keys = ColumnMatrix(p.d, p.n);
    for (uint64_t i = 0; i < p.n; ++i) synthetic_key(p, i, keys.column(i));
    auto codes = encode_columns(keys);
    SearchGraph g = build_search_graph(codes, p.d, p.n, ef, m);
    layer.graph = g.spec;
    index = std::make_unique<SearchIndex>(layer, std::move(codes), std::move(g.rows));
  }
  std::vector<Scored> search(std::span<const float> x) const {
    auto r = index->search(x, keys);
    EXPECT_TRUE(r) << r.error().message;
    return r.value_or(std::vector<Scored>{});
  }
};

std::vector<float> query(const SyntheticParams& p, uint64_t seed) {
  return *query_from_input(synthetic_query(p, seed), synthetic_layer(p).hopfield());
}

std::vector<uint64_t> indices(const std::vector<Scored>& s) {
  std::vector<uint64_t> out;
  for (auto& x : s) out.push_back(x.index);
  return out;
}

TEST(GraphSearch, TheGraphIsAFunctionOfTheCodesAlone) {
  const SyntheticParams p = clustered();
  Built a(p), b(p);
  EXPECT_EQ(a.layer.graph, b.layer.graph);
  for (uint64_t i = 0; i < p.n; ++i) ASSERT_TRUE(std::ranges::equal(a.index->row(i), b.index->row(i))) << i;
  // Every slot names a column or is empty, and a row's levels end with the column's own.
  for (uint64_t i = 0; i < p.n; ++i)
    for (uint32_t level = 0; level < a.layer.graph.levels; ++level)
      for (uint32_t e : neighbours(a.index->row(i), a.layer.graph, level)) ASSERT_LT(e, p.n);
  EXPECT_FALSE(neighbours(a.index->row(a.layer.graph.entry_point), a.layer.graph, a.layer.graph.levels - 1).empty());
}

TEST(GraphSearch, SameAnswerOnEveryThreadAndRunWithCanonicalScores) {
  const SyntheticParams p = clustered();
  Built b(p);
  std::vector<std::vector<Scored>> first;
  for (uint64_t q = 0; q < 50; ++q) first.push_back(b.search(query(p, q)));
  std::vector<std::thread> threads;
  std::atomic<int> differ{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (uint64_t q = 0; q < 50; ++q) {
        auto again = b.search(query(p, q));
        if (indices(again) != indices(first[q])) ++differ;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(differ, 0);
  for (uint64_t q = 0; q < 50; ++q) {
    ASSERT_EQ(first[q].size(), p.k);
    EXPECT_TRUE(std::ranges::is_sorted(indices(first[q])));
    const auto x = query(p, q);
    for (const Scored& s : first[q]) EXPECT_EQ(s.score, dot(b.keys.column(s.index), x));
  }
}

TEST(GraphSearch, FindsNearlyAllOfTheExactTopK) {
  const SyntheticParams p = clustered();
  Built b(p);
  size_t found = 0, queries = 200;
  for (uint64_t q = 0; q < queries; ++q) {
    const auto x = query(p, q);
    const auto got = indices(b.search(x));
    for (const Scored& e : exact_top_k(b.keys, x, p.k, 1)) found += std::ranges::binary_search(got, e.index);
  }
  EXPECT_GE(double(found) / double(queries * p.k), 0.95);
  // A narrower beam and a sparser graph find less: ef and m are what the ghost file fixes.
  Built weak(p, p.k, 2);
  size_t weak_found = 0;
  for (uint64_t q = 0; q < queries; ++q) {
    const auto x = query(p, q);
    const auto got = indices(weak.search(x));
    for (const Scored& e : exact_top_k(b.keys, x, p.k, 1)) weak_found += std::ranges::binary_search(got, e.index);
  }
  EXPECT_LT(weak_found, found);
}

// A source that serves a Built index but fails on chosen leaves, or serves a forged row.
struct Faulty : SearchSource {
  const Built& b;
  uint64_t missing_code = UINT64_MAX, missing_row = UINT64_MAX, missing_key = UINT64_MAX;
  std::vector<uint32_t> forged;  // served as every row when not empty
  explicit Faulty(const Built& built) : b(built) {}
  Result<const uint8_t*> code(uint64_t c) override {
    if (c == missing_code) return fail("no code " + std::to_string(c));
    return b.index->code(c);
  }
  Result<std::span<const uint32_t>> row(uint64_t c) override {
    if (c == missing_row) return fail("no row " + std::to_string(c));
    if (!forged.empty()) return std::span<const uint32_t>(forged);
    return b.index->row(c);
  }
  Result<std::span<const float>> key(uint64_t c) override {
    if (c == missing_key) return fail("no key " + std::to_string(c));
    return b.keys.column(c);
  }
};

TEST(GraphSearch, EveryMissingOrForgedLeafIsAnError) {
  const SyntheticParams p = clustered();
  Built b(p);
  const auto x = query(p, 1);
  const auto want = b.search(x);
  const uint64_t entry = b.layer.graph.entry_point;
  {
    Faulty f(b);
    auto r = graph_search(b.layer, x, f);
    ASSERT_TRUE(r);
    EXPECT_EQ(indices(*r), indices(want));
  }
  for (int which = 0; which < 3; ++which) {
    Faulty f(b);
    (which == 0 ? f.missing_code : which == 1 ? f.missing_row : f.missing_key) = which == 2 ? want[0].index : entry;
    auto r = graph_search(b.layer, x, f);
    ASSERT_FALSE(r) << which;
  }
  Faulty wrong_size(b);
  wrong_size.forged.assign(b.layer.graph.row_words() - 1, kNoNeighbour);
  EXPECT_FALSE(graph_search(b.layer, x, wrong_size));
  Faulty out_of_range(b);
  out_of_range.forged.assign(b.layer.graph.row_words(), kNoNeighbour);
  out_of_range.forged[0] = uint32_t(p.n);
  auto r = graph_search(b.layer, x, out_of_range);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(">= n"), std::string::npos) << r.error().message;
}

// A graph without edges: the beam holds only the entry column, fewer than k, so the layer
// has no canonical answer (an empty set) and the model answers exactly.
TEST(GraphSearch, ABeamOfFewerThanKColumnsHasNoCanonicalAnswer) {
  const SyntheticParams p = clustered();
  Built b(p);
  Faulty isolated(b);
  isolated.forged.assign(b.layer.graph.row_words(), kNoNeighbour);
  auto r = graph_search(b.layer, query(p, 2), isolated);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->empty());
}

TEST(GraphSearch, TheModelServesTheCanonicalAnswer) {
  TempDir dir;
  const SyntheticParams p = clustered();
  ASSERT_TRUE(build_synthetic_model(dir.path, p, 2));
  auto m = Model::open(dir.path);
  ASSERT_TRUE(m) << m.error().message;
  Built b(p);
  EXPECT_EQ((*m)->layers()[0].graph, b.layer.graph);
  for (uint64_t q = 0; q < 20; ++q) {
    auto inf = (*m)->infer(synthetic_query(p, q), Search::graph);
    ASSERT_TRUE(inf);
    EXPECT_EQ(inf->layers[0].pass.selected, indices(b.search(query(p, q))));
  }
}

}  // namespace
}  // namespace ghost::ml
