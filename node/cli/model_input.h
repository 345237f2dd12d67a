// What a model is asked: the input of a pass (--input FILE or --fashion-test I) and the
// target of a training step (--target FILE or --target-class C), read and checked against
// the model's layers before anything is computed or paid for.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "ml/layers.h"

namespace ghost::cli {

struct InputArgs {
  std::string file;
  int64_t fashion = -1;
};
void add_input_options(CLI::App& cmd, InputArgs& a);

struct ModelInput {
  Bytes bytes;                  // encoded as layer 0 expects
  std::optional<uint8_t> label;  // the data set's label of a fashion-mnist test image
};

// Reads the input and checks it as the chain does (layer 0 decodes and normalizes it);
// fails with kExitUsage and what to give instead.
ModelInput read_input(const InputArgs& a, std::span<const ml::LayerSpec> layers);

struct TargetArgs {
  std::string file;
  int64_t cls = -1;
};
void add_target_options(CLI::App& cmd, TargetArgs& a);

// The training target: d_out little-endian floats of the last layer, finite.
Bytes read_target(const TargetArgs& a, std::span<const ml::LayerSpec> layers);

}  // namespace ghost::cli
