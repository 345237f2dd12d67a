// A small real model folder to fetch from, and its ghost file as the chain would hold it.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>

#include "ml/serve/ghost_file_io.h"
#include "ml/serve/synthetic.h"
#include "temp_dir.h"

namespace ghost::fetch::test {

using ghost::test::TempDir;

struct Source {
  TempDir dir{"fetch-src"};
  std::unique_ptr<ml::Model> model;
  pb::GhostFile file;
  ml::ModelVersion version;

  // n columns of d floats: with d = 256 (1 KiB leaves) a range is capped at 4096 leaves.
  explicit Source(uint64_t n = 300, uint32_t d = 16, uint64_t seed = 9) {
    ml::SyntheticParams p;
    p.n = n;
    p.d = d;
    p.d_out = 4;
    p.k = 8;
    p.seed = seed;
    if (auto b = ml::build_synthetic_model(dir.path / "m", p, 1); !b) throw std::runtime_error(b.error().message);
    ml::ModelOptions o;
    o.use_index = false;
    o.access = ml::StoreAccess::read;
    model = std::move(*ml::Model::open(dir.path / "m", o));
    file = ml::ghost_file_of(*model);
    version = *ml::model_version(file);
  }
  const ml::WeightStore& store() const { return model->store(); }
};

}  // namespace ghost::fetch::test
