#include "ml/verify/ghost_proof.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "ml/canonical.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "proof_models.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

using testing::embedding_layer;
using testing::hopfield_layer;
using testing::random_input;
using testing::TestModel;

struct Fixture {
  TestModel model;
  ModelVersion version;
  explicit Fixture(std::vector<LayerSpec> layers, uint64_t seed) : model(std::move(layers), seed) {
    version = *model_version(ghost_file_of(*model.model));
  }
  pb::GhostProof prove(ByteSpan input, LeafWire enc = pb::LEAVES_RAW) const {
    auto inf = model.model->infer(input, Search::exact);
    if (!inf) throw std::runtime_error(inf.error().message);
    return make_ghost_proof(*model.model, version.model_id, version.version, input, *inf, enc);
  }
};

std::vector<std::vector<LayerSpec>> shapes() {
  return {
      {hopfield_layer(24, 5, 120, 6, InputEncoding::u8)},
      {hopfield_layer(17, 3, 33, 4)},  // d not a multiple of 8, n not a power of 2
      {hopfield_layer(20, 9, 64, 5, InputEncoding::u8), hopfield_layer(9, 4, 50, 3)},
      {embedding_layer(30, 12), hopfield_layer(12, 2, 40, 4)},
      {hopfield_layer(8, 2, 1, 1)},  // a one-leaf tree
  };
}

TEST(GhostProof, ValidProofsFromSeededModelsAlwaysVerify) {
  uint64_t seed = 1;
  for (const auto& layers : shapes()) {
    Fixture f(layers, seed++);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 25; ++i) {
      const Bytes input = random_input(layers[0], rng);
      auto inf = f.model.model->infer(input, Search::exact);
      ASSERT_TRUE(inf) << inf.error().message;
      for (LeafWire enc : {LeafWire(pb::LEAVES_RAW), LeafWire(pb::LEAVES_DELTA_ZSTD), LeafWire(pb::LEAVES_ZSTD), LeafWire::shortest()}) {
        const pb::GhostProof proof = make_ghost_proof(*f.model.model, f.version.model_id, 0, input, *inf, enc);
        auto v = verify_ghost_proof_bytes(pb::encode(proof), f.version);
        ASSERT_TRUE(v) << v.error().message;
        EXPECT_EQ(v->output(), inf->output());
        ASSERT_EQ(v->layers.size(), layers.size());
        for (size_t l = 0; l < layers.size(); ++l) EXPECT_EQ(v->layers[l].pass.selected, inf->layers[l].pass.selected);
      }
    }
  }
}

TEST(GhostProof, AnswersFoundByTheGraphSearchVerifyToo) {
  TestModel m({hopfield_layer(24, 5, 300, 8, InputEncoding::u8)}, 77);
  m.model.reset();  // reopened with its committed search
  ModelOptions opt;
  opt.threads = 2;
  auto model = Model::open(m.dir.path, opt);
  ASSERT_TRUE(model) << model.error().message;
  const ModelVersion version = *model_version(ghost_file_of(**model));
  std::mt19937_64 rng(78);
  for (int i = 0; i < 20; ++i) {
    const Bytes input = random_input((*model)->layers()[0], rng);
    auto inf = (*model)->infer(input, Search::graph);
    ASSERT_TRUE(inf) << inf.error().message;
    auto v = verify_ghost_proof(make_ghost_proof(**model, version.model_id, 0, input, *inf, LeafWire::shortest()), version);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->output(), inf->output());
  }
}

TEST(GhostProof, TheWireEncodingCarriesTheSameLeaves) {
  Fixture f({hopfield_layer(24, 5, 120, 6, InputEncoding::u8)}, 3);
  std::mt19937_64 rng(4);
  const Bytes input = random_input(f.model.model->layers()[0], rng);
  pb::GhostProof raw = f.prove(input), wire = f.prove(input, pb::LEAVES_DELTA_ZSTD);
  for (int t = 0; t < 2; ++t) {
    const auto& o = wire.layers(0).openings(t);
    auto leaves = check_opening(o, {120, size_t(t == 0 ? 24 : 5) * 4, f.version.roots[size_t(t)]},
                                std::vector<uint64_t>(o.proof().indices().begin(), o.proof().indices().end()));
    ASSERT_TRUE(leaves) << leaves.error().message;
    const std::string& canonical = raw.layers(0).openings(t).leaves();
    EXPECT_EQ(leaves->leaves, Bytes(canonical.begin(), canonical.end()));
  }
}

// Every mutation of a valid proof, each of which must be rejected.
struct Mutation {
  std::string what;
  std::function<void(pb::GhostProof&)> apply;
};

void flip(std::string& s, size_t i, uint8_t mask = 0x01) { s[i] = char(uint8_t(s[i]) ^ mask); }

std::vector<Mutation> mutations(const pb::GhostProof& valid) {
  std::vector<Mutation> out;
  auto add = [&](std::string what, std::function<void(pb::GhostProof&)> fn) { out.push_back({std::move(what), std::move(fn)}); };
  add("model id", [](auto& p) { flip(*p.mutable_model_id(), 7); });
  add("model id length", [](auto& p) { p.mutable_model_id()->pop_back(); });
  add("version", [](auto& p) { p.set_version(p.version() + 1); });
  // With k = 1 the output is the one selected row whatever the input: nothing to tamper with.
  const bool output_depends_on_input = valid.layers(0).selected_size() > 1 || valid.layers_size() > 1;
  for (size_t i = 0; output_depends_on_input && i < valid.input().size(); ++i)
    add("input byte " + std::to_string(i), [i](auto& p) { flip(*p.mutable_input(), i, 0x80); });
  add("input truncated", [](auto& p) { p.mutable_input()->pop_back(); });
  add("input extended", [](auto& p) { p.mutable_input()->push_back(1); });
  add("no layers", [](auto& p) { p.clear_layers(); });
  add("extra layer", [](auto& p) { *p.add_layers() = p.layers(0); });
  if (valid.layers_size() > 1) add("layers swapped", [](auto& p) { p.mutable_layers()->SwapElements(0, 1); });
  for (int l = 0; l < valid.layers_size(); ++l) {
    const std::string at = "layer " + std::to_string(l) + " ";
    const auto& lp = valid.layers(l);
    const uint64_t n = lp.openings(0).proof().n();
    for (int r = 0; r < lp.selected_size(); ++r) {
      const uint64_t s = lp.selected(r);
      add(at + "selected[" + std::to_string(r) + "] + 1", [=](auto& p) { p.mutable_layers(l)->set_selected(r, s + 1); });
      add(at + "selected[" + std::to_string(r) + "] - 1", [=](auto& p) { p.mutable_layers(l)->set_selected(r, s - 1); });
      add(at + "selected[" + std::to_string(r) + "] = n", [=](auto& p) { p.mutable_layers(l)->set_selected(r, n); });
      if (n > 1) add(at + "selected[" + std::to_string(r) + "] and its proof moved",
          [=](auto& p) {
            for (auto& o : *p.mutable_layers(l)->mutable_openings()) o.mutable_proof()->set_indices(r, (s + 1) % n);
            p.mutable_layers(l)->set_selected(r, (s + 1) % n);
          });
    }
    if (lp.selected_size() > 1) add(at + "selected swapped", [=](auto& p) { p.mutable_layers(l)->mutable_selected()->SwapElements(0, 1); });
    add(at + "one fewer selected", [=](auto& p) { p.mutable_layers(l)->mutable_selected()->RemoveLast(); });
    add(at + "one more selected", [=](auto& p) { p.mutable_layers(l)->add_selected((lp.selected(lp.selected_size() - 1) + 1) % n); });
    add(at + "no openings", [=](auto& p) { p.mutable_layers(l)->clear_openings(); });
    add(at + "extra opening", [=](auto& p) { *p.mutable_layers(l)->add_openings() = lp.openings(0); });
    if (lp.openings_size() > 1) add(at + "openings swapped", [=](auto& p) { p.mutable_layers(l)->mutable_openings()->SwapElements(0, 1); });
    for (int t = 0; t < lp.openings_size(); ++t) {
      const std::string ot = at + "opening " + std::to_string(t) + " ";
      const auto& o = lp.openings(t);
      auto opening = [=](pb::GhostProof& p) { return p.mutable_layers(l)->mutable_openings(t); };
      // One flipped byte in every leaf region (each leaf, and its first and last byte).
      const size_t leaf_bytes = o.encoding() == pb::LEAVES_RAW ? o.leaves().size() / size_t(lp.selected_size()) : 0;
      for (size_t i = 0; i < o.leaves().size(); i += leaf_bytes ? leaf_bytes / 2 + 1 : 1)
        add(ot + "leaf byte " + std::to_string(i), [=](auto& p) { flip(*opening(p)->mutable_leaves(), i, 0x04); });
      add(ot + "last leaf byte", [=](auto& p) { flip(*opening(p)->mutable_leaves(), o.leaves().size() - 1, 0x20); });
      add(ot + "leaves truncated", [=](auto& p) { opening(p)->mutable_leaves()->pop_back(); });
      add(ot + "leaves extended", [=](auto& p) { opening(p)->mutable_leaves()->push_back(0); });
      // (With one leaf the XOR delta is the identity: both zstd encodings then say the same.)
      const bool both_zstd_alike = lp.selected_size() == 1 && o.encoding() != pb::LEAVES_RAW;
      for (auto e : {pb::LEAVES_RAW, pb::LEAVES_DELTA_ZSTD, pb::LEAVES_ZSTD})
        if (e != o.encoding() && !(both_zstd_alike && e != pb::LEAVES_RAW)) add(ot + "encoding " + std::to_string(e), [=](auto& p) { opening(p)->set_encoding(e); });
      add(ot + "unknown encoding", [=](auto& p) { opening(p)->set_encoding(static_cast<pb::LeafEncoding>(5)); });
      add(ot + "count + 1", [=](auto& p) { opening(p)->mutable_proof()->set_n(n + 1); });
      add(ot + "count - 1", [=](auto& p) { opening(p)->mutable_proof()->set_n(n - 1); });
      add(ot + "count doubled", [=](auto& p) { opening(p)->mutable_proof()->set_n(2 * n); });
      add(ot + "proof index", [=](auto& p) { opening(p)->mutable_proof()->set_indices(0, o.proof().indices(0) + 1); });
      add(ot + "no proof", [=](auto& p) { opening(p)->clear_proof(); });
      const size_t helpers = o.proof().helpers().size() / 32;
      auto helper_bytes = [=](pb::GhostProof& p) { return opening(p)->mutable_proof()->mutable_helpers(); };
      for (size_t h = 0; h < helpers; ++h)
        add(ot + "helper " + std::to_string(h), [=](auto& p) { flip(*helper_bytes(p), 32 * h + h % 32); });
      if (helpers > 0) {
        add(ot + "helpers short", [=](auto& p) { helper_bytes(p)->pop_back(); });
        add(ot + "helper removed", [=](auto& p) { helper_bytes(p)->resize(32 * (helpers - 1)); });
        if (helpers > 1)
          add(ot + "helpers swapped", [=](auto& p) {
            std::string& s = *helper_bytes(p);
            std::swap_ranges(s.begin(), s.begin() + 32, s.begin() + 32);
          });
      }
      add(ot + "helper added", [=](auto& p) { helper_bytes(p)->append(32, 'h'); });
    }
    for (size_t i = 0; i < lp.output().size(); ++i)
      add(at + "output byte " + std::to_string(i), [=](auto& p) { flip(*p.mutable_layers(l)->mutable_output(), i); });
    add(at + "output truncated", [=](auto& p) { p.mutable_layers(l)->mutable_output()->resize(lp.output().size() - 4); });
    add(at + "output extended", [=](auto& p) { p.mutable_layers(l)->mutable_output()->append(4, '\0'); });
  }
  return out;
}

TEST(GhostProof, TamperingWithAnyPartIsRejected) {
  uint64_t seed = 40;
  for (const auto& layers : shapes()) {
    Fixture f(layers, seed++);
    std::mt19937_64 rng(seed);
    const Bytes input = random_input(layers[0], rng);
    for (auto enc : {pb::LEAVES_RAW, pb::LEAVES_DELTA_ZSTD, pb::LEAVES_ZSTD}) {
      const pb::GhostProof valid = f.prove(input, enc);
      ASSERT_TRUE(verify_ghost_proof(valid, f.version));
      size_t count = 0;
      for (const auto& m : mutations(valid)) {
        pb::GhostProof p = valid;
        m.apply(p);
        auto v = verify_ghost_proof_bytes(pb::encode(p), f.version);
        EXPECT_FALSE(v) << "accepted a proof with a tampered " << m.what;
        if (!v) {
          EXPECT_FALSE(v.error().message.empty());
        }
        ++count;
      }
      EXPECT_GT(count, 40u);
    }
  }
}

TEST(GhostProof, AnotherVersionsRootsRejectTheProof) {
  Fixture f({hopfield_layer(20, 9, 64, 5, InputEncoding::u8), hopfield_layer(9, 4, 50, 3)}, 9);
  std::mt19937_64 rng(10);
  const pb::GhostProof valid = f.prove(random_input(f.model.model->layers()[0], rng));
  for (size_t t = 0; t < f.version.roots.size(); ++t) {
    ModelVersion other = f.version;
    other.roots[t].bytes[t] ^= 1;
    auto v = verify_ghost_proof(valid, other);
    ASSERT_FALSE(v) << "root " << t;
    EXPECT_EQ(v.error().code, Errc::kMismatch) << v.error().message;
    EXPECT_NE(v.error().message.find("root"), std::string::npos) << v.error().message;
  }
  ModelVersion short_roots = f.version;
  short_roots.roots.pop_back();
  EXPECT_FALSE(verify_ghost_proof(valid, short_roots));
  ModelVersion next = f.version;
  next.version = 1;
  EXPECT_FALSE(verify_ghost_proof(valid, next));
}

TEST(GhostProof, RejectsOversizedAndMalformedBytes) {
  Fixture f({hopfield_layer(17, 3, 33, 4)}, 12);
  EXPECT_FALSE(verify_ghost_proof_bytes(Bytes(kMaxGhostProofBytes + 1, 0), f.version));
  EXPECT_FALSE(verify_ghost_proof_bytes(Bytes{0xff, 0xff, 0xff}, f.version));
  EXPECT_FALSE(verify_ghost_proof_bytes(Bytes{}, f.version));
}

}  // namespace
}  // namespace ghost::ml
