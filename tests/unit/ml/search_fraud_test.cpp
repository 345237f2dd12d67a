// Search fraud proofs (docs/protocol.md §3.19): an honest (canonical) or exact answer can never
// be challenged; answers that did less than the canonical search (a narrower beam, random
// columns) can, the proof survives its wire encoding, and any tampering rejects it.
#include "ml/verify/search_fraud.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "ml/canonical.h"
#include "ml/graph_search.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "proof_models.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

using testing::hopfield_layer;
using testing::random_input;
using testing::TestModel;

struct Fixture {
  TestModel made;
  std::unique_ptr<Model> model;  // reopened with its committed search
  ModelVersion version;
  Fixture(std::vector<LayerSpec> layers, uint64_t seed) : made(std::move(layers), seed) {
    made.model.reset();
    ModelOptions opt;
    opt.threads = 2;
    model = std::move(*Model::open(made.dir.path, opt));
    version = *model_version(ghost_file_of(*model));
  }
  const Model& m() const { return *model; }
  size_t last() const { return m().layers().size() - 1; }

  // The last layer's query for `input` (the earlier layers answered canonically).
  std::vector<float> last_query(ByteSpan input, const Inference& inf) const {
    const size_t l = last();
    const Bytes prev = l == 0 ? Bytes(input.begin(), input.end()) : encode_floats(inf.layers[l - 1].pass.output);
    return *query_from_input(prev, m().layers()[l].hopfield());
  }

  // The answer with the last layer's selected set replaced by `columns` (ascending).
  pb::GhostProof answer_with(ByteSpan input, std::vector<uint64_t> columns) const {
    auto inf = m().infer(input, Search::graph);
    if (!inf) throw std::runtime_error(inf.error().message);
    const size_t l = last();
    const auto x_hat = last_query(input, *inf);
    Leaves leaves;
    leaves.indices = std::move(columns);
    for (uint64_t i : leaves.indices) {
      auto key = m().store().leaf(m().first_tensor(l), i);
      auto value = m().store().leaf(m().first_tensor(l) + 1, i);
      leaves.keys.insert(leaves.keys.end(), key->begin(), key->end());
      leaves.values.insert(leaves.values.end(), value->begin(), value->end());
    }
    auto pass = forward_from_leaves(m().layers()[l].hopfield(), x_hat, leaves);
    if (!pass) throw std::runtime_error(pass.error().message);
    inf->layers[l] = {std::move(leaves), std::move(*pass)};
    return make_ghost_proof(m(), version.model_id, version.version, input, *inf);
  }
  pb::GhostProof answer(ByteSpan input, Search search) const {
    auto inf = m().infer(input, search);
    if (!inf) throw std::runtime_error(inf.error().message);
    return make_ghost_proof(m(), version.model_id, version.version, input, *inf);
  }
  // The last layer searched with a beam of `ef` (a worker that saves work).
  std::vector<uint64_t> narrow(ByteSpan input, uint32_t ef) const {
    auto inf = m().infer(input, Search::graph);
    LayerSpec spec = m().layers()[last()];
    spec.graph.ef = ef;
    IndexSource source(*m().index(last()), m().keys(last()));
    auto found = graph_search(spec, last_query(input, *inf), source);
    std::vector<uint64_t> out;
    for (const Scored& s : *found) out.push_back(s.index);
    return out;
  }
  std::vector<uint64_t> random_columns(std::mt19937_64& rng) const {
    const LayerSpec& spec = m().layers()[last()];
    std::vector<uint64_t> s;
    while (s.size() < spec.k) {
      const uint64_t c = rng() % spec.n;
      if (!std::ranges::binary_search(s, c)) s.insert(std::ranges::upper_bound(s, c), c);
    }
    return s;
  }
};

std::vector<std::vector<LayerSpec>> shapes() {
  LayerSpec sparse = hopfield_layer(16, 6, 2000, 10, InputEncoding::f32);
  sparse.graph.m = 4;
  return {
      {hopfield_layer(24, 5, 1500, 16, InputEncoding::u8)},
      {sparse},
      {hopfield_layer(20, 9, 600, 5, InputEncoding::u8), hopfield_layer(9, 4, 1000, 12, InputEncoding::f32)},
  };
}

TEST(SearchFraud, CanonicalAndExactAnswersCanNeverBeChallenged) {
  uint64_t seed = 200;
  for (const auto& layers : shapes()) {
    Fixture f(layers, seed++);
    std::mt19937_64 rng(seed);
    int exact_differs = 0;
    for (int i = 0; i < 40; ++i) {
      const Bytes input = random_input(layers[0], rng);
      for (Search s : {Search::graph, Search::exact}) {
        const pb::GhostProof result = f.answer(input, s);
        auto found = find_search_fraud(f.m(), f.version, result);
        ASSERT_TRUE(found) << found.error().message;
        EXPECT_FALSE(found->has_value()) << "challenged " << (s == Search::graph ? "a canonical" : "an exact") << " answer";
      }
      exact_differs += !std::ranges::equal(f.answer(input, Search::exact).layers(int(f.last())).selected(),
                                           f.answer(input, Search::graph).layers(int(f.last())).selected());
    }
    // The exact answers that differ from the canonical one show the rule is not "equality".
    if (layers.size() == 1 && layers[0].graph.m == 4) {
      EXPECT_GT(exact_differs, 0);
    }
  }
}

TEST(SearchFraud, RandomColumnsAndNarrowBeamsAreChallengedAndTheProofVerifies) {
  uint64_t seed = 300;
  for (const auto& layers : shapes()) {
    Fixture f(layers, seed++);
    std::mt19937_64 rng(seed);
    int random_caught = 0, narrow_caught = 0, narrow_differs = 0;
    for (int i = 0; i < 20; ++i) {
      const Bytes input = random_input(layers[0], rng);
      const auto canonical = f.answer(input, Search::graph).layers(int(f.last())).selected();
      for (int kind = 0; kind < 2; ++kind) {
        const auto columns = kind == 0 ? f.random_columns(rng) : f.narrow(input, layers.back().k);
        if (kind == 1) narrow_differs += !std::ranges::equal(columns, canonical);
        const pb::GhostProof result = f.answer_with(input, columns);
        auto found = find_search_fraud(f.m(), f.version, result, i % 2 ? LeafWire::shortest() : LeafWire{});
        ASSERT_TRUE(found) << found.error().message;
        if (!found->has_value()) continue;
        (kind == 0 ? random_caught : narrow_caught)++;
        EXPECT_EQ((*found)->layer(), f.last());
        auto decoded = pb::decode_as<pb::SearchFraudProof>(pb::encode(**found));
        ASSERT_TRUE(decoded);
        auto v = verify_search_fraud(*decoded, result, f.version);
        EXPECT_TRUE(v) << v.error().message;
      }
    }
    EXPECT_EQ(random_caught, 20);
    EXPECT_GT(narrow_differs, 0) << "a beam of k never missed: the test shows nothing";
    EXPECT_GT(narrow_caught, 0);
  }
}

TEST(SearchFraud, TamperedProofsAreRejected) {
  Fixture f({hopfield_layer(24, 5, 1500, 16, InputEncoding::u8)}, 21);
  std::mt19937_64 rng(22);
  const Bytes input = random_input(f.m().layers()[0], rng);
  const pb::GhostProof result = f.answer_with(input, f.random_columns(rng));
  auto found = find_search_fraud(f.m(), f.version, result, LeafWire{});
  ASSERT_TRUE(found && found->has_value());
  const pb::SearchFraudProof valid = **found;
  ASSERT_TRUE(verify_search_fraud(valid, result, f.version));

  using Edit = std::function<void(pb::SearchFraudProof&)>;
  std::vector<std::pair<std::string, Edit>> edits = {
      {"layer", [](auto& p) { p.set_layer(1); }},
      {"a code left out", [](auto& p) { p.mutable_codes()->mutable_proof()->mutable_indices()->RemoveLast(); }},
      {"a row left out", [](auto& p) { p.mutable_graph()->mutable_proof()->mutable_indices()->RemoveLast(); }},
      {"a key left out", [](auto& p) { p.mutable_keys()->mutable_proof()->mutable_indices()->RemoveLast(); }},
      {"no codes", [](auto& p) { p.clear_codes(); }},
      {"no rows", [](auto& p) { p.clear_graph(); }},
      {"no keys", [](auto& p) { p.clear_keys(); }},
      {"count", [](auto& p) { p.mutable_codes()->mutable_proof()->set_n(1501); }},
      {"leaves truncated", [](auto& p) { p.mutable_graph()->mutable_leaves()->pop_back(); }},
      {"helpers short", [](auto& p) { p.mutable_keys()->mutable_proof()->mutable_helpers()->pop_back(); }},
      {"codes swapped for rows", [](auto& p) { std::swap(*p.mutable_codes(), *p.mutable_graph()); }},
  };
  for (const char* which : {"codes", "graph", "keys"})
    for (int at : {0, 1, 2}) {
      edits.push_back({std::string(which) + " leaf byte " + std::to_string(at), [which, at](auto& p) {
                         auto* o = which[0] == 'c' ? p.mutable_codes() : which[0] == 'g' ? p.mutable_graph() : p.mutable_keys();
                         std::string& l = *o->mutable_leaves();
                         l[size_t(at) * l.size() / 3] ^= 0x10;
                       }});
      edits.push_back({std::string(which) + " helper " + std::to_string(at), [which, at](auto& p) {
                         auto* o = which[0] == 'c' ? p.mutable_codes() : which[0] == 'g' ? p.mutable_graph() : p.mutable_keys();
                         std::string& h = *o->mutable_proof()->mutable_helpers();
                         if (!h.empty()) h[size_t(at) * (h.size() / 32 / 3) * 32] ^= 1;
                       }});
    }
  for (const auto& [what, apply] : edits) {
    pb::SearchFraudProof p = valid;
    apply(p);
    EXPECT_FALSE(verify_search_fraud(p, result, f.version)) << "accepted a proof with " << what;
  }
  // The same proof against the canonical answer or a tampered result proves nothing.
  auto honest = f.answer(input, Search::graph);
  auto v = verify_search_fraud(valid, honest, f.version);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("no fault shown"), std::string::npos) << v.error().message;
  pb::GhostProof bad = result;
  (*bad.mutable_layers(0)->mutable_output())[0] ^= 1;
  EXPECT_FALSE(verify_search_fraud(valid, bad, f.version));
}

TEST(SearchFraud, RefusesTensorsOfAnotherVersion) {
  Fixture f({hopfield_layer(12, 3, 500, 8, InputEncoding::f32)}, 31);
  Fixture other({hopfield_layer(12, 3, 500, 8, InputEncoding::f32)}, 32);
  std::mt19937_64 rng(33);
  const pb::GhostProof result = f.answer_with(random_input(f.m().layers()[0], rng), f.random_columns(rng));
  auto r = find_search_fraud(other.m(), f.version, result);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMismatch);
}

}  // namespace
}  // namespace ghost::ml
