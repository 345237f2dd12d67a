#include "node/cli/model_input.h"

#include <cmath>

#include "base/file.h"
#include "ml/canonical.h"
#include "ml/hopfield.h"
#include "ml/serve/fashion_mnist.h"
#include "node/cli/cli.h"
#include "node/cli/print.h"

namespace ghost::cli {

void add_input_options(CLI::App& cmd, InputArgs& a) {
  auto* in = cmd.add_option("--input", a.file,
                            "File holding the raw input (the first layer's encoding: d bytes for u8, 4d for f32)");
  auto* fashion = cmd.add_option("--fashion-test", a.fashion, "Use fashion-mnist test image I (0..9999) as input");
  in->excludes(fashion);
}

ModelInput read_input(const InputArgs& a, std::span<const ml::LayerSpec> layers) {
  if (a.file.empty() && a.fashion < 0) fail_with(kExitUsage, "give --input FILE or --fashion-test I");
  ModelInput in;
  if (a.fashion >= 0) {
    if (!is_fashion_model(layers))
      fail_with(kExitUsage, "fashion-mnist test images need a fashion-mnist model (build one with "
                            "`ghost model build fashion-mnist --out DIR`)");
    const ml::FashionSet test = need(ml::load_fashion_test(), "cannot read the fashion-mnist test set from " +
                                                                  ml::fashion_dir().string() +
                                                                  " (install dataset-fashion-mnist or set GHOST_FASHION_DIR)");
    if (uint64_t(a.fashion) >= test.count)
      fail_with(kExitUsage, "--fashion-test: image index must be below " + std::to_string(test.count));
    auto img = test.image(uint64_t(a.fashion));
    in.bytes.assign(img.begin(), img.end());
    in.label = test.labels[uint64_t(a.fashion)];
  } else {
    in.bytes = need(read_file(a.file), "cannot read input file");
  }
  if (layers.empty() || layers[0].type != ml::LayerType::hopfield)
    fail_with(kExitUsage, "this model's first layer is not a Hopfield layer: the chain takes no input for it yet");
  need(ml::query_from_input(in.bytes, layers[0].hopfield()), "the input does not fit the model's first layer");
  return in;
}

void add_target_options(CLI::App& cmd, TargetArgs& a) {
  auto* file = cmd.add_option("--target", a.file, "File holding the target: d_out little-endian float32 of the last layer");
  auto* cls = cmd.add_option("--target-class", a.cls, "Target one-hot at class C (0..d_out-1)");
  file->excludes(cls);
}

Bytes read_target(const TargetArgs& a, std::span<const ml::LayerSpec> layers) {
  if (a.file.empty() && a.cls < 0) fail_with(kExitUsage, "give --target FILE or --target-class C");
  const uint32_t d_out = layers.back().d_out;
  std::vector<float> t(d_out, 0.0f);
  if (a.cls >= 0) {
    if (uint64_t(a.cls) >= d_out)
      fail_with(kExitUsage, "--target-class must be below the model's output size " + std::to_string(d_out));
    t[size_t(a.cls)] = 1.0f;
  } else {
    Bytes raw = need(read_file(a.file), "cannot read target file");
    if (raw.size() != size_t(d_out) * 4)
      fail_with(kExitUsage, "the target must be " + std::to_string(d_out) + " float32 (" + std::to_string(d_out * 4) +
                                " bytes), " + a.file + " has " + std::to_string(raw.size()) + " bytes");
    t = need(ml::decode_floats(raw, d_out), "target");
  }
  for (float v : t)
    if (!std::isfinite(v)) fail_with(kExitUsage, "the target holds a value that is not finite");
  return ml::encode_floats(t);
}

}  // namespace ghost::cli
