// Weight files people export, built here byte by byte from the formats' descriptions (NumPy's
// .npy header, safetensors' length + JSON + data), so the reader is pinned to the formats, not
// to itself; and the model import's checks of names, shapes and values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "ml/serve/array_file.h"
#include "ml/serve/import_model.h"

namespace ghost::ml {
namespace {

Bytes npy(const std::string& dict, const Bytes& data, uint8_t version = 1) {
  std::string header = dict;
  const size_t pre = version == 1 ? 10 : 12;
  while ((pre + header.size() + 1) % 64) header += ' ';
  header += '\n';
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', version, 0};
  const size_t len = header.size();
  b.push_back(uint8_t(len));
  b.push_back(uint8_t(len >> 8));
  if (version != 1) b.insert(b.end(), {0, 0});
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes le(std::initializer_list<uint64_t> values, size_t size, bool big = false) {
  Bytes b;
  for (uint64_t v : values)
    for (size_t i = 0; i < size; ++i) b.push_back(uint8_t(v >> (8 * (big ? size - 1 - i : i))));
  return b;
}

uint32_t f32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST(ArrayFile, NpyFloat32CFortranAndVersions) {
  auto a = parse_npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                         le({f32(1), f32(2), f32(3), f32(4), f32(5), f32(6)}, 4)));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(a->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // The same matrix stored column-major comes back row-major; version 2 has a 4-byte length.
  auto f = parse_npy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                         le({f32(1), f32(4), f32(2), f32(5), f32(3), f32(6)}, 4), 2));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->values, a->values);
}

TEST(ArrayFile, NpyFortranOrderInThreeDimensions) {
  // shape (2, 2, 2): Fortran offset of (i, j, k) is i + 2j + 4k; value = 100i + 10j + k.
  Bytes data;
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i) data.push_back(uint8_t(100 * i + 10 * j + k));
  auto a = parse_npy(npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 2), }", data));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->values, (std::vector<float>{0, 1, 10, 11, 100, 101, 110, 111}));
}

TEST(ArrayFile, NpyOtherDtypesAndScalars) {
  auto h = parse_npy(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                         le({0x3c00, 0xc000, 0x0001, 0x7c00}, 2)));  // 1, -2, smallest subnormal, inf
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->values[0], 1.0f);
  EXPECT_EQ(h->values[1], -2.0f);
  EXPECT_EQ(h->values[2], std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(h->values[3]));
  auto be = parse_npy(npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", le({uint32_t(-7), 9}, 4, true)));
  ASSERT_TRUE(be) << be.error().message;
  EXPECT_EQ(be->values, (std::vector<float>{-7, 9}));
  auto s = parse_npy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", le({16}, 8)));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->shape.empty());
  EXPECT_EQ(s->values, (std::vector<float>{16}));
}

TEST(ArrayFile, NpyRejectsWhatItCannotRead) {
  const Bytes two = le({f32(1), f32(2)}, 4);
  for (const auto& [dict, data, why] : std::vector<std::tuple<std::string, Bytes, std::string>>{
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", two, "data bytes"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", two, "data bytes"},
           {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", two, "unsupported dtype"},
           {"{'descr': '<U1', 'fortran_order': False, 'shape': (2,), }", two, "unsupported dtype"},
           {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", two, "structured"},
           {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", two, "fortran_order"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", two, "empty dimension"},
           {"{'descr': '<f4', 'fortran_order': False, 'shape': (9999999999999999999,), }", two, "too large"},
           {"{'descr': '<f4', 'shape': (2,), }", two, "fortran_order"},
       }) {
    auto a = parse_npy(npy(dict, data));
    ASSERT_FALSE(a) << dict;
    EXPECT_NE(a.error().message.find(why), std::string::npos) << dict << ": " << a.error().message;
  }
  EXPECT_FALSE(parse_npy(Bytes{'n', 'o'}));
  Bytes v9 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two);
  v9[6] = 9;
  EXPECT_FALSE(parse_npy(v9));
  Bytes cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", two);
  cut.resize(20);
  EXPECT_FALSE(parse_npy(cut));
}

Bytes safetensors(const std::string& header, const Bytes& data) {
  Bytes b = le({header.size()}, 8);
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

TEST(ArrayFile, SafetensorsTensorsAndMetadata) {
  Bytes data = le({f32(1.5f), f32(-2)}, 4);
  Bytes bf = le({0x3f80, 0xc040}, 2);  // bfloat16 1 and -3
  data.insert(data.end(), bf.begin(), bf.end());
  std::map<std::string, std::string> meta;
  auto r = parse_safetensors(safetensors(R"({"__metadata__":{"L0.beta":"4"},"a":{"dtype":"F32","shape":[2],)"
                                         R"("data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]}})",
                                         data),
                             &meta);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->at("a").values, (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(r->at("b").shape, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(r->at("b").values, (std::vector<float>{1, -3}));
  EXPECT_EQ(meta.at("L0.beta"), "4");
}

TEST(ArrayFile, SafetensorsRejectsBadHeaders) {
  const Bytes data = le({f32(1), f32(2)}, 4);
  for (const auto& [header, why] : std::vector<std::pair<std::string, std::string>>{
           {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})", "past the end"},
           {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "data bytes"},
           {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", "past the end"},
           {R"({"a":{"dtype":"C64","shape":[2],"data_offsets":[0,8]}})", "unsupported dtype"},
           {R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", "non-count"},
           {R"({"a":{"dtype":"F32","shape":[2]}})", "data_offsets"},
           {R"({"__metadata__":{"x":1}})", "not a string"},
           {R"([1,2])", "not a JSON object"},
           {R"({"a":)", "not a JSON object"},
       }) {
    auto r = parse_safetensors(safetensors(header, data));
    ASSERT_FALSE(r) << header;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << header << ": " << r.error().message;
  }
  Bytes huge = safetensors("{}", data);
  huge[5] = 1;  // header length 2^40
  EXPECT_FALSE(parse_safetensors(huge));
}

TEST(ArrayFile, NpzThatIsNotAZipIsRefused) {
  auto r = parse_npz(Bytes{'P', 'K', 3, 4, 0, 0});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("zip"), std::string::npos) << r.error().message;
}

Array matrix(uint64_t rows, uint64_t cols, float start = 0.5f) {
  Array a{"<f4", {rows, cols}, {}};
  for (uint64_t i = 0; i < rows * cols; ++i) a.values.push_back(start + float(i % 7));
  return a;
}

TEST(ImportModel, LayersFromNamesShapesAndParameters) {
  Arrays two{{"L0.E", matrix(10, 4)}, {"L1.W_K", matrix(5, 4)}, {"L1.W_V", matrix(5, 2)},
             {"L1.k", Array{"<i8", {}, {3}}}};
  auto layers = imported_layers(two, {{"L1.beta", "2.5"}, {"format", "pt"}}, {});
  ASSERT_TRUE(layers) << layers.error().message;
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].type, LayerType::embedding);
  EXPECT_EQ((*layers)[0].n, 10u);
  EXPECT_EQ((*layers)[1].d, 4u);
  EXPECT_EQ((*layers)[1].d_out, 2u);
  EXPECT_EQ((*layers)[1].k, 3u);
  EXPECT_EQ((*layers)[1].beta, 2.5f);
}

TEST(ImportModel, RefusesWhatDoesNotFormAModel) {
  ImportDefaults beta;
  beta.beta = 2;
  Array nan = matrix(5, 4);
  nan.values[3] = std::nanf("");
  for (const auto& [arrays, why] : std::vector<std::pair<Arrays, std::string>>{
           {{{"W_K", matrix(5, 4)}}, "one is missing"},
           {{{"W_K", matrix(5, 4)}, {"W_V", matrix(4, 2)}}, "one row per stored pattern"},
           {{{"W_K", Array{"<f4", {20}, std::vector<float>(20, 1)}}, {"W_V", matrix(5, 2)}}, "must be 2-D"},
           {{{"W_K", nan}, {"W_V", matrix(5, 2)}}, "not finite"},
           {{{"W_K", matrix(5, 4)}, {"L0.W_K", matrix(5, 4)}, {"W_V", matrix(5, 2)}}, "name the same thing"},
           {{{"W_K", matrix(5, 4)}, {"W_V", matrix(5, 2)}, {"bias", matrix(1, 2)}}, "unknown name bias"},
           {{{"W_K", matrix(5, 4)}, {"W_V", matrix(5, 2)}, {"k", matrix(1, 2)}}, "single number"},
           {{{"W_K", matrix(5, 4)}, {"W_V", matrix(5, 2)}, {"k", Array{"<f4", {}, {2.5f}}}}, "whole number"},
           {{{"L1.W_K", matrix(5, 4)}, {"L1.W_V", matrix(5, 2)}}, "L0 is missing"},
           {{{"L0.E", matrix(5, 4)}, {"L0.W_V", matrix(5, 2)}}, "cannot also have"},
           {{{"L0.W_K", matrix(5, 4)}, {"L0.W_V", matrix(5, 2)}, {"L1.W_K", matrix(5, 3)}, {"L1.W_V", matrix(5, 2)}},
            "do not form a model"},
           {{}, "no weights"},
       }) {
    auto r = imported_layers(arrays, {}, beta);
    ASSERT_FALSE(r) << why;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << why << ": " << r.error().message;
  }
  auto no_beta = imported_layers({{"W_K", matrix(5, 4)}, {"W_V", matrix(5, 2)}}, {}, {});
  ASSERT_FALSE(no_beta);
  EXPECT_NE(no_beta.error().message.find("beta is not given"), std::string::npos);
  auto bad_meta = imported_layers({{"W_K", matrix(5, 4)}, {"W_V", matrix(5, 2)}}, {{"L0.beta", "fast"}}, {});
  ASSERT_FALSE(bad_meta);
  EXPECT_NE(bad_meta.error().message.find("not a number"), std::string::npos);
}

}  // namespace
}  // namespace ghost::ml
