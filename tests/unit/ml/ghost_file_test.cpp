#include "ml/ghost_file.h"
#include "ml/serve/ghost_file_io.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "proof_models.h"
#include "proto/decode.h"

namespace ghost::ml {
namespace {

using testing::hopfield_layer;
using testing::embedding_layer;
using ghost::test::TempDir;
using testing::TestModel;

class GhostFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    two_layer_ = new TestModel({hopfield_layer(16, 8, 64, 4, InputEncoding::u8), hopfield_layer(8, 3, 32, 5)}, 11);
  }
  static void TearDownTestSuite() { delete two_layer_; }
  static TestModel* two_layer_;
  pb::GhostFile file() const { return ghost_file_of(*two_layer_->model); }
};
TestModel* GhostFileTest::two_layer_ = nullptr;

void expect_rejected(const pb::GhostFile& g, const std::string& why) {
  auto v = validate_ghost_file(g);
  ASSERT_FALSE(v) << "accepted a ghost file that should fail with: " << why;
  EXPECT_NE(v.error().message.find(why), std::string::npos) << v.error().message;
  // A decoder of the same bytes refuses it as well.
  EXPECT_FALSE(decode_ghost_file(pb::encode(g)));
}

TEST_F(GhostFileTest, DescribesTheModelAndItsRoots) {
  pb::GhostFile g = file();
  ASSERT_TRUE(validate_ghost_file(g));
  auto mv = model_version(g);
  ASSERT_TRUE(mv) << mv.error().message;
  EXPECT_EQ(mv->layers, two_layer_->model->layers());
  EXPECT_EQ(mv->roots, two_layer_->model->weight_roots());
  EXPECT_EQ(mv->search_roots, two_layer_->model->search_roots());
  EXPECT_EQ(mv->search_roots.size(), 4u);  // L0.C, L0.G, L1.C, L1.G
  EXPECT_EQ(mv->first_search_tensor(1), 2u);
  EXPECT_EQ(g.layers(1).search_tensors(1).name(), "L1.G");
  EXPECT_EQ(mv->version, 0u);
  EXPECT_EQ(mv->model_id, model_id(g));
  EXPECT_EQ(mv->first_tensor(1), 2u);
  ASSERT_EQ(g.layers_size(), 2);
  EXPECT_EQ(g.layers(0).tensors(0).name(), "L0.W_K");
  EXPECT_EQ(g.layers(1).tensors(1).leaf_floats(), 3u);
}

TEST_F(GhostFileTest, ModelIdIsTheHashOfTheDeterministicEncoding) {
  pb::GhostFile g = file();
  EXPECT_EQ(model_id(g), sha256(pb::encode(g)));
  EXPECT_EQ(model_id(g), model_id(file()));
  pb::GhostFile other = g;
  other.set_price_floor(g.price_floor() + 1);
  EXPECT_NE(model_id(other), model_id(g));
  other = g;
  (*other.mutable_layers(1)->mutable_tensors(0)->mutable_root())[5] ^= 1;
  EXPECT_NE(model_id(other), model_id(g));
}

TEST_F(GhostFileTest, SavesAndLoadsTheSameBytes) {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  const auto path = dir.path / "m.ghost";
  GhostFileMeta meta;
  meta.owner = Bytes(20, 0xaa);
  meta.policy = pb::LISTED_TRAINERS;
  meta.trainers = {Bytes(20, 1), Bytes(20, 2)};
  meta.price_floor = 1234;
  const pb::GhostFile g = ghost_file_of(*two_layer_->model, meta);
  ASSERT_TRUE(save_ghost_file(path, g));
  auto back = load_ghost_file(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(pb::encode(*back), pb::encode(g));
  EXPECT_EQ(model_id(*back), model_id(g));
  EXPECT_EQ(back->trainers_size(), 2);
  EXPECT_EQ(back->price_floor(), 1234u);
}

TEST_F(GhostFileTest, LoadingRefusesMissingTruncatedOversizedAndForeignFiles) {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  EXPECT_EQ(load_ghost_file(dir.path / "none.ghost").error().code, Errc::kNotFound);
  const Bytes good = pb::encode(file());
  auto write = [&](const std::string& name, ByteSpan b) {
    std::ofstream(dir.path / name, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
    return dir.path / name;
  };
  for (size_t cut : {size_t(1), size_t(10), good.size() / 2})
    EXPECT_FALSE(load_ghost_file(write("cut.ghost", ByteSpan(good).first(good.size() - cut)))) << cut;
  EXPECT_FALSE(load_ghost_file(write("text.ghost", as_bytes("{\"name\": \"not a ghost file\"}"))));
  Bytes big(kMaxGhostFileBytes + 1, 0);
  auto r = load_ghost_file(write("big.ghost", big));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kTooLarge) << r.error().message;
  pb::GhostFile bad = file();
  bad.set_format_version(9);
  EXPECT_FALSE(save_ghost_file(dir.path / "bad.ghost", bad));
  EXPECT_FALSE(std::filesystem::exists(dir.path / "bad.ghost"));
}

TEST_F(GhostFileTest, JsonUsesTheProtobufMapping) {
  const std::string json = ghost_file_json(file());
  EXPECT_NE(json.find("\"name\": \"test-model\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"hash_function\": \"SHA256_MERKLE_V1\""), std::string::npos);
  EXPECT_NE(json.find("\"L1.W_V\""), std::string::npos);
  EXPECT_NE(json.find("\"input_encoding\": \"U8\""), std::string::npos);
}

TEST_F(GhostFileTest, EveryViolationIsRejectedWithItsReason) {
  struct Case {
    std::string why;
    std::function<void(pb::GhostFile&)> mutate;
  };
  auto layer = [](pb::GhostFile& g, int l) { return g.mutable_layers(l); };
  const std::vector<Case> cases = {
      {"format version", [](auto& g) { g.set_format_version(2); }},
      {"format version", [](auto& g) { g.set_format_version(0); }},
      {"model name", [](auto& g) { g.clear_name(); }},
      {"hash function", [](auto& g) { g.set_hash_function(pb::HASH_UNSPECIFIED); }},
      {"hash function", [](auto& g) { g.set_hash_function(static_cast<pb::HashFunction>(77)); }},
      {"owner must be a 20-byte address", [](auto& g) { g.set_owner(std::string(19, 'a')); }},
      {"update policy", [](auto& g) { g.set_update_policy(pb::POLICY_UNSPECIFIED); }},
      {"only under the LISTED_TRAINERS", [](auto& g) { g.add_trainers(std::string(20, 't')); }},
      {"trainer must be", [](auto& g) { g.set_update_policy(pb::LISTED_TRAINERS); g.add_trainers("short"); }},
      {"trainer listed twice",
       [](auto& g) {
         g.set_update_policy(pb::LISTED_TRAINERS);
         g.add_trainers(std::string(20, 't'));
         g.add_trainers(std::string(20, 't'));
       }},
      {"at least one layer", [](auto& g) { g.clear_layers(); }},
      {"unsupported layer type", [&](auto& g) { layer(g, 0)->set_type(pb::LAYER_UNSPECIFIED); }},
      {"unsupported input encoding", [&](auto& g) { layer(g, 0)->set_input_encoding(pb::ENCODING_UNSPECIFIED); }},
      {"k = 65 is larger than n = 64", [&](auto& g) { layer(g, 0)->set_k(65); }},
      {"d, d_out, n and k > 0", [&](auto& g) { layer(g, 0)->set_k(0); }},
      {"d, d_out, n and k > 0", [&](auto& g) { layer(g, 1)->set_d_out(0); }},
      {"beta", [&](auto& g) { layer(g, 1)->set_beta(0); }},
      {"beta", [&](auto& g) { layer(g, 1)->set_beta(-2); }},
      {"beta", [&](auto& g) { layer(g, 1)->set_beta(INFINITY); }},
      {"beta", [&](auto& g) { layer(g, 1)->set_beta(std::nanf("")); }},
      {"previous layer's output", [&](auto& g) { layer(g, 1)->set_d(9); }},
      {"previous layer's output", [&](auto& g) { layer(g, 1)->set_input_encoding(pb::U8); }},
      {"only the first layer can be an embedding", [&](auto& g) { layer(g, 1)->set_type(pb::EMBEDDING); }},
      {"has 1 tensors, its type needs 2", [&](auto& g) { layer(g, 0)->mutable_tensors()->RemoveLast(); }},
      {"has 3 tensors", [&](auto& g) { *layer(g, 0)->add_tensors() = g.layers(0).tensors(0); }},
      {"must be named L0.W_K", [&](auto& g) { layer(g, 0)->mutable_tensors(0)->set_name("W_K"); }},
      {"does not match the layer", [&](auto& g) { layer(g, 0)->mutable_tensors(1)->set_leaf_count(63); }},
      {"does not match the layer", [&](auto& g) { layer(g, 1)->mutable_tensors(0)->set_leaf_floats(9); }},
      {"root must be 32 bytes, got 31", [&](auto& g) { layer(g, 1)->mutable_tensors(1)->mutable_root()->pop_back(); }},
      {"root must be 32 bytes, got 0", [&](auto& g) { layer(g, 0)->mutable_tensors(0)->clear_root(); }},
      {"search ef", [&](auto& g) { layer(g, 0)->set_ef(g.layers(0).k() - 1); }},
      {"search ef", [&](auto& g) { layer(g, 0)->set_ef(kMaxEf + 1); }},
      {"graph_m must be between 2", [&](auto& g) { layer(g, 1)->set_graph_m(1); }},
      {"graph_levels must be between 1", [&](auto& g) { layer(g, 0)->set_graph_levels(0); }},
      {"entry_point must be a column", [&](auto& g) { layer(g, 0)->set_entry_point(g.layers(0).n()); }},
      {"search has 1 tensors, its type needs 2", [&](auto& g) { layer(g, 0)->mutable_search_tensors()->RemoveLast(); }},
      {"must be named L1.G", [&](auto& g) { layer(g, 1)->mutable_search_tensors(1)->set_name("L1.C"); }},
      {"search tensor L0.G: shape", [&](auto& g) { layer(g, 0)->mutable_search_tensors(1)->set_leaf_floats(7); }},
      {"search tensor L0.C: root must be 32 bytes",
       [&](auto& g) { layer(g, 0)->mutable_search_tensors(0)->clear_root(); }},
      {"opening limit",
       [&](auto& g) {
         layer(g, 1)->set_d_out(1u << 22);
         layer(g, 1)->mutable_tensors(1)->set_leaf_floats(1u << 22);
       }},
  };
  for (const auto& c : cases) {
    pb::GhostFile g = file();
    c.mutate(g);
    SCOPED_TRACE(c.why);
    expect_rejected(g, c.why);
  }
}

// A hand-made ghost file: its encoding, hence the model id, is part of the protocol.
TEST(GhostFile, ModelIdOfAFixedFileIsPinned) {
  pb::GhostFile g;
  g.set_format_version(1);
  g.set_name("golden");
  g.set_owner(std::string(20, '\x11'));
  g.set_hash_function(pb::SHA256_MERKLE_V1);
  g.set_update_policy(pb::OWNER_ONLY);
  g.set_price_floor(5000);
  pb::Layer* l = g.add_layers();
  l->set_type(pb::HOPFIELD_LOOKUP);
  l->set_d(784);
  l->set_d_out(10);
  l->set_n(60000);
  l->set_k(16);
  l->set_beta(20);
  l->set_input_encoding(pb::U8);
  for (const char* name : {"L0.W_K", "L0.W_V"}) {
    pb::TensorInfo* t = l->add_tensors();
    t->set_name(name);
    t->set_leaf_count(60000);
    t->set_leaf_floats(name[5] == 'K' ? 784 : 10);
    t->set_root(std::string(32, name[5]));
  }
  l->set_ef(40);
  l->set_graph_m(16);
  l->set_graph_levels(4);
  l->set_entry_point(12345);
  for (const char* name : {"L0.C", "L0.G"}) {
    pb::TensorInfo* t = l->add_search_tensors();
    t->set_name(name);
    t->set_leaf_count(60000);
    t->set_leaf_floats(name[3] == 'C' ? 209 : 80);  // (832 + 4) / 4; 2 x 16 + 3 x 16
    t->set_root(std::string(32, name[3]));
  }
  ASSERT_TRUE(validate_ghost_file(g));
  EXPECT_EQ(pb::encode(g).size(), 269u);
  // Cross-checked with `protoc --encode=ghost.pb.GhostFile proto/ghost.proto | sha256sum` on
  // the same file in text format (without the search fields: 162 bytes, 5576512a...).
  EXPECT_EQ(model_id(g).hex(), "94dbd01824f557b5f3014280a7924acbfe0d2e3c78b9a071e4573765cf7139b9");
}

TEST(GhostFile, AcceptsAnEmbeddingFirstLayer) {
  TestModel m({embedding_layer(40, 6), hopfield_layer(6, 2, 30, 3)}, 5);
  pb::GhostFile g = ghost_file_of(*m.model);
  ASSERT_TRUE(validate_ghost_file(g)) << validate_ghost_file(g).error().message;
  g.mutable_layers(0)->set_k(2);
  EXPECT_FALSE(validate_ghost_file(g));
}

TEST(GhostFile, DecodingGarbageNeverSucceedsQuietly) {
  google::protobuf::LogSilencer quiet;  // invalid UTF-8 in names is logged, then rejected
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(rng() % 200);
    for (auto& x : b) x = uint8_t(rng());
    auto g = decode_ghost_file(b);
    if (g) {
      EXPECT_TRUE(validate_ghost_file(*g));
    }
  }
}

}  // namespace
}  // namespace ghost::ml
