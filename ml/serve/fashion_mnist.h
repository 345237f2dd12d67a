// The fashion-mnist data set (Debian package dataset-fashion-mnist: gzip'd IDX files) and
// the default model built from it (docs/protocol.md §3.20).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "ml/serve/memory_layer.h"
#include "ml/serve/model.h"

namespace ghost::ml {

inline constexpr uint32_t kFashionPixels = 784;  // 28 x 28
inline constexpr uint32_t kFashionClasses = 10;

struct FashionSet {
  uint64_t count = 0;
  std::vector<uint8_t> pixels;  // count * 784, row-major per image
  std::vector<uint8_t> labels;  // count, each < 10

  ByteSpan image(uint64_t i) const { return {pixels.data() + i * kFashionPixels, kFashionPixels}; }
};

// $GHOST_FASHION_DIR if set, else /usr/share/datasets/fashion-mnist.
std::filesystem::path fashion_dir();

// Decompresses a whole gzip file (fails on a missing, truncated or corrupt file).
Result<Bytes> read_gzip_file(const std::filesystem::path& path);
// IDX parsing: magic 0x00000803 (images, 28 x 28) / 0x00000801 (labels, each < 10); fails
// on a bad magic, wrong dimensions, or a size different from what the header announces.
// parse_idx_images fills count and pixels, parse_idx_labels count and labels.
Result<FashionSet> parse_idx_images(ByteSpan idx);
Result<FashionSet> parse_idx_labels(ByteSpan idx);

// The 60,000 training or 10,000 test images with labels, in file order.
Result<FashionSet> load_fashion_train(const std::filesystem::path& dir = fashion_dir());
Result<FashionSet> load_fashion_test(const std::filesystem::path& dir = fashion_dir());

// beta of the default model: chosen on held-out training images (docs/decisions.md).
inline constexpr float kFashionBeta = 150.0f;

// The default model's layer: u8 input, d = 784, d_out = 10, k = 16, beta 150.
LayerSpec fashion_layer(uint64_t n);
// Builds the default model from the first `n` images of `train` (all of them by default):
// W_K column i = image i decoded as a u8 input and normalized, W_V row i = one-hot label i.
Result<void> build_fashion_model(const std::filesystem::path& dir, const FashionSet& train,
                                 uint64_t n = 0, unsigned threads = 0, bool progress = false);

// The default model's layer over images [first, first + n) of `set`, in memory.
MemoryLayer fashion_memory_layer(const FashionSet& set, uint64_t first, uint64_t n);
// The one-hot target of a label.
std::vector<float> one_hot(uint8_t label);

}  // namespace ghost::ml
