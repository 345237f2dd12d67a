// Small seeded random models for the ghost file / ghost proof / fraud proof tests.
#pragma once

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "ml/canonical.h"
#include "ml/serve/model.h"
#include "tests/temp_dir.h"

namespace ghost::ml::testing {

using ghost::test::TempDir;

inline LayerSpec hopfield_layer(uint32_t d, uint32_t d_out, uint64_t n, uint32_t k,
                                InputEncoding enc = InputEncoding::f32) {
  LayerSpec s;
  s.type = LayerType::hopfield;
  s.d = d;
  s.d_out = d_out;
  s.n = n;
  s.k = k;
  s.beta = 8;
  s.encoding = enc;
  return s;
}

inline LayerSpec embedding_layer(uint64_t n, uint32_t d_out) {
  LayerSpec s;
  s.type = LayerType::embedding;
  s.d_out = d_out;
  s.n = n;
  s.k = 1;
  s.beta = 0;
  return s;
}

// A model directory whose every leaf is a pure function of (seed, tensor, index); W_K
// columns are unit norm. Opened without an HNSW index (tests search exactly).
struct TestModel {
  TempDir dir;
  std::unique_ptr<Model> model;

  TestModel(std::vector<LayerSpec> layers, uint64_t seed) {
    std::vector<bool> is_key;
    for (size_t l = 0; l < layers.size(); ++l)
      for (auto& t : layer_tensors(layers[l], l)) is_key.push_back(t.name.ends_with("W_K"));
    auto fill = [&](uint32_t tensor, uint64_t index, std::span<float> out) {
      std::mt19937_64 rng(seed * 1000003u + tensor * 7919u + index);
      std::normal_distribution<float> g;
      for (auto& v : out) v = g(rng);
      if (is_key[tensor]) (void)normalize(out);
    };
    auto created = Model::create(dir.path, "test-model", layers, fill, 2);
    if (!created) throw std::runtime_error(created.error().message);
    ModelOptions opt;
    opt.use_index = false;
    opt.threads = 2;
    auto m = Model::open(dir.path, opt);
    if (!m) throw std::runtime_error(m.error().message);
    model = std::move(*m);
  }
};

// A random input for the first layer of `spec`.
inline Bytes random_input(const LayerSpec& spec, std::mt19937_64& rng) {
  Bytes in;
  if (spec.type == LayerType::embedding) {
    put_u64le(in, rng() % spec.n);
  } else if (spec.encoding == InputEncoding::u8) {
    for (uint32_t j = 0; j < spec.d; ++j) in.push_back(uint8_t(rng()));
  } else {
    std::normal_distribution<float> g;
    std::vector<float> x(spec.d);
    for (auto& v : x) v = g(rng);
    in = encode_floats(x);
  }
  return in;
}

}  // namespace ghost::ml::testing
