#include "ml/serve/fashion_mnist.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "crypto/hash.h"
#include "ml/canonical.h"
#include "tests/temp_dir.h"

namespace ghost::ml {
namespace {

using ghost::test::TempDir;

// The data sets are read once for the whole binary.
const FashionSet& train() {
  static const FashionSet s = [] {
    auto r = load_fashion_train();
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }();
  return s;
}
const FashionSet& test_set() {
  static const FashionSet s = [] {
    auto r = load_fashion_test();
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }();
  return s;
}

Bytes idx_header(uint32_t magic, std::vector<uint32_t> dims) {
  Bytes b;
  dims.insert(dims.begin(), magic);
  for (uint32_t v : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
  return b;
}

TEST(Fashion, LoadsBothSetsInFileOrder) {
  EXPECT_EQ(train().count, 60000u);
  EXPECT_EQ(train().pixels.size(), 60000u * 784);
  EXPECT_EQ(test_set().count, 10000u);
  EXPECT_EQ(test_set().labels.size(), 10000u);
  // Well-known first labels: train[0] = 9 (ankle boot), train[1] = 0, test[0] = 9, test[1] = 2.
  EXPECT_EQ(train().labels[0], 9);
  EXPECT_EQ(train().labels[1], 0);
  EXPECT_EQ(test_set().labels[0], 9);
  EXPECT_EQ(test_set().labels[1], 2);
  std::array<int, 10> per_class{};
  for (uint8_t l : test_set().labels) per_class[l]++;
  for (int c : per_class) EXPECT_EQ(c, 1000);
}

TEST(Fashion, IdxParsingRejectsMalformedFiles) {
  Bytes good = idx_header(0x803, {2, 28, 28});
  good.resize(good.size() + 2 * 784, 7);
  auto ok = parse_idx_images(good);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->count, 2u);
  Bytes bad_magic = good;
  bad_magic[3] = 0x01;
  EXPECT_FALSE(parse_idx_images(bad_magic));
  Bytes short_file(good.begin(), good.end() - 1);
  EXPECT_FALSE(parse_idx_images(short_file));
  Bytes long_file = good;
  long_file.push_back(0);
  EXPECT_FALSE(parse_idx_images(long_file));
  Bytes dims = idx_header(0x803, {2, 28, 27});
  dims.resize(dims.size() + 2 * 28 * 27);
  EXPECT_FALSE(parse_idx_images(dims));
  EXPECT_FALSE(parse_idx_images(Bytes(10, 0)));

  Bytes labels = idx_header(0x801, {3});
  labels.insert(labels.end(), {1, 9, 0});
  ASSERT_TRUE(parse_idx_labels(labels));
  Bytes out_of_range = labels;
  out_of_range.back() = 10;
  EXPECT_FALSE(parse_idx_labels(out_of_range));
  labels.pop_back();
  EXPECT_FALSE(parse_idx_labels(labels));
  EXPECT_FALSE(parse_idx_labels(good));
}

TEST(Fashion, GzipReaderRejectsMissingCorruptAndTruncatedFiles) {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  EXPECT_FALSE(read_gzip_file(dir.path / "none.gz"));
  std::ofstream(dir.path / "plain.gz") << "not gzip at all";
  EXPECT_FALSE(read_gzip_file(dir.path / "plain.gz"));
  // Truncate a real file.
  std::ifstream in(fashion_dir() / "t10k-labels-idx1-ubyte.gz", std::ios::binary);
  std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.path / "cut.gz", std::ios::binary) << whole.substr(0, whole.size() / 2);
  EXPECT_FALSE(read_gzip_file(dir.path / "cut.gz"));
  auto full = read_gzip_file(fashion_dir() / "t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->size(), 8u + 10000u);
  EXPECT_FALSE(load_fashion_test(dir.path));
}

// The default model's answer to test image 0, from W_K = all 60,000 training images
// (docs/protocol.md §3) held in memory. Pinned: changing these is a protocol change.
TEST(Fashion, GoldenAnswerToTestImageZero) {
  const MemoryLayer layer = fashion_memory_layer(train(), 0, train().count);
  auto x = query_from_input(test_set().image(0), layer.spec());
  ASSERT_TRUE(x);
  auto top = exact_top_k(layer.keys(), *x, layer.spec().k);
  std::string selected;
  for (auto s : top) selected.append(std::to_string(s.index)).append(1, ' ');
  auto pass = forward_from_leaves(layer.spec(), *x, layer.leaves(top));
  ASSERT_TRUE(pass);
  auto direct = layer.forward(test_set().image(0));
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->output, pass->output);
  EXPECT_EQ(std::max_element(pass->output.begin(), pass->output.end()) - pass->output.begin(), 9);
  EXPECT_EQ(selected, "2688 8776 10119 10740 15081 18094 18339 18352 21346 21894 29768 36419 45365 52275 52468 53939 ");
  EXPECT_EQ(sha256(encode_floats(pass->output)).hex(), "ecd3d452c1f242dd53dec8cf5e8e459040d27d9f0d3db21ee47297c2d7abc07f");
  // The same leaves at the first design's beta 20 (before the default moved to 150): the
  // arithmetic itself is unchanged.
  HopfieldSpec beta20 = layer.spec();
  beta20.beta = 20.0f;
  auto pass20 = forward_from_leaves(beta20, *x, layer.leaves(top));
  ASSERT_TRUE(pass20);
  EXPECT_EQ(sha256(encode_floats(pass20->output)).hex(), "2d9b24a3b2bbdc42f795d0faa16b620cfab08917a2e3079dd11ade226a6947c0");
}

TEST(Fashion, BuiltModelHoldsNormalizedImagesAndOneHotLabels) {
  TempDir dir;
  ASSERT_TRUE(build_fashion_model(dir.path, train(), 1000, 2));
  ModelOptions o;
  o.use_index = false;
  auto m = Model::open(dir.path, o);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ((*m)->name(), "fashion-mnist");
  LayerSpec want = fashion_layer(1000);
  want.graph = (*m)->layers()[0].graph;  // built with the defaults
  EXPECT_EQ((*m)->layers()[0], want);
  EXPECT_EQ(want.graph.ef, kDefaultEf);
  EXPECT_EQ(want.graph.m, kDefaultGraphM);
  for (uint64_t i : {0ull, 1ull, 999ull}) {
    auto k = (*m)->store().leaf(0, i);
    auto want = query_from_input(train().image(i), fashion_layer(1000).hopfield());
    EXPECT_EQ(encode_floats(*k), encode_floats(*want));
    auto v = (*m)->store().leaf(1, i);
    for (uint32_t c = 0; c < 10; ++c) EXPECT_EQ((*v)[c], c == train().labels[i] ? 1.0f : 0.0f);
  }
  auto inf = (*m)->infer(test_set().image(0), Search::exact);
  ASSERT_TRUE(inf);
  EXPECT_FALSE((*m)->infer(test_set().image(0), Search::graph));  // no search loaded
  EXPECT_FALSE((*m)->infer(Bytes(783, 1)));
  EXPECT_FALSE((*m)->infer(Bytes(784, 0)));
  EXPECT_FALSE(build_fashion_model(dir.path / "x", train(), 60001));
}

}  // namespace
}  // namespace ghost::ml
