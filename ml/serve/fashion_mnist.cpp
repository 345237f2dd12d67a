#include "ml/serve/fashion_mnist.h"

#include <zlib.h>

#include <cstdlib>
#include <string>

#include "base/file.h"
#include "ml/canonical.h"

namespace ghost::ml {

namespace {

uint32_t get_u32be(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

Result<FashionSet> load(const std::filesystem::path& dir, const char* images, const char* labels) {
  auto img_gz = read_gzip_file(dir / images);
  if (!img_gz) return std::unexpected(img_gz.error());
  auto set = parse_idx_images(*img_gz);
  if (!set) return fail(set.error(), std::string(images) + ": ");
  auto lab_gz = read_gzip_file(dir / labels);
  if (!lab_gz) return std::unexpected(lab_gz.error());
  auto lab = parse_idx_labels(*lab_gz);
  if (!lab) return fail(lab.error(), std::string(labels) + ": ");
  if (lab->count != set->count) return fail("image and label counts differ");
  set->labels = std::move(lab->labels);
  return set;
}

}  // namespace

std::filesystem::path fashion_dir() {
  if (const char* env = std::getenv("GHOST_FASHION_DIR"); env && *env) return env;
  return "/usr/share/datasets/fashion-mnist";
}

Result<Bytes> read_gzip_file(const std::filesystem::path& path) {
  auto file = read_file(path);
  if (!file) return std::unexpected(file.error());
  Bytes& packed = *file;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return fail("zlib init failed");
  Bytes out(packed.size() * 4 + 1024);
  zs.next_in = packed.data();
  zs.avail_in = uInt(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (zs.total_out == out.size()) out.resize(out.size() * 2);
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = uInt(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && zs.avail_in > 0 && zs.avail_out == 0) rc = Z_OK;  // just needs more room
  }
  out.resize(zs.total_out);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return fail(path.string() + ": not a complete gzip stream");
  return out;
}

Result<FashionSet> parse_idx_images(ByteSpan idx) {
  if (idx.size() < 16) return fail("IDX image file shorter than its header");
  if (get_u32be(idx.data()) != 0x00000803) return fail("not an IDX image file (bad magic)");
  FashionSet set;
  set.count = get_u32be(idx.data() + 4);
  if (get_u32be(idx.data() + 8) != 28 || get_u32be(idx.data() + 12) != 28) return fail("images are not 28 x 28");
  if (idx.size() - 16 != set.count * kFashionPixels) return fail("IDX image file size does not match its count");
  set.pixels.assign(idx.begin() + 16, idx.end());
  return set;
}

Result<FashionSet> parse_idx_labels(ByteSpan idx) {
  if (idx.size() < 8) return fail("IDX label file shorter than its header");
  if (get_u32be(idx.data()) != 0x00000801) return fail("not an IDX label file (bad magic)");
  FashionSet set;
  set.count = get_u32be(idx.data() + 4);
  if (idx.size() - 8 != set.count) return fail("IDX label file size does not match its count");
  set.labels.assign(idx.begin() + 8, idx.end());
  for (uint8_t l : set.labels)
    if (l >= kFashionClasses) return fail("label out of range");
  return set;
}

Result<FashionSet> load_fashion_train(const std::filesystem::path& dir) {
  return load(dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
}

Result<FashionSet> load_fashion_test(const std::filesystem::path& dir) {
  return load(dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
}

LayerSpec fashion_layer(uint64_t n) {
  return {LayerType::hopfield, kFashionPixels, kFashionClasses, n, 16, kFashionBeta, InputEncoding::u8, {}};
}

Result<void> build_fashion_model(const std::filesystem::path& dir, const FashionSet& train, uint64_t n,
                                 unsigned threads, bool progress) {
  if (n == 0) n = train.count;
  if (n > train.count || train.labels.size() != train.count) return fail("not enough training images");
  const LayerSpec layer = fashion_layer(n);
  // Every column must normalize, so check them before anything is written.
  for (uint64_t i = 0; i < n; ++i) {
    auto x = query_from_input(train.image(i), layer.hopfield());
    if (!x) return fail(x.error(), "training image " + std::to_string(i) + ": ");
  }
  auto fill = [&](uint32_t tensor, uint64_t i, std::span<float> out) {
    if (tensor == 0) {
      auto x = query_from_input(train.image(i), layer.hopfield());
      std::copy(x->begin(), x->end(), out.begin());
    } else {
      auto t = one_hot(train.labels[i]);
      std::copy(t.begin(), t.end(), out.begin());
    }
  };
  return Model::create(dir, "fashion-mnist", {layer}, fill, threads, progress);
}

std::vector<float> one_hot(uint8_t label) {
  std::vector<float> t(kFashionClasses, 0.0f);
  t.at(label) = 1.0f;
  return t;
}

MemoryLayer fashion_memory_layer(const FashionSet& set, uint64_t first, uint64_t n) {
  const HopfieldSpec spec = fashion_layer(n).hopfield();
  ColumnMatrix keys(kFashionPixels, n);
  std::vector<float> values;
  values.reserve(n * kFashionClasses);
  for (uint64_t i = 0; i < n; ++i) {
    auto x = query_from_input(set.image(first + i), spec);
    if (!x) throw std::invalid_argument("image " + std::to_string(first + i) + ": " + x.error().message);
    std::copy(x->begin(), x->end(), keys.column(i).begin());
    auto t = one_hot(set.labels[first + i]);
    values.insert(values.end(), t.begin(), t.end());
  }
  return MemoryLayer(spec, std::move(keys), std::move(values));
}

}  // namespace ghost::ml
