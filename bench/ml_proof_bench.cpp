// Suite "ml", proof part: size of a fashion-mnist ghost proof (raw and on the wire) and the
// cost of verifying it and a training proof, against hashing the same leaves in the same run.
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "bench/bench.h"
#include "bench/ml_bench_util.h"
#include "ml/canonical.h"
#include "ml/ghost_file.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/train_proof.h"
#include "proto/decode.h"

namespace ghost::bench {
namespace {

using namespace ghost::ml;
namespace fs = std::filesystem;

// Median over items of the median of `reps` timed runs of fn(item), in microseconds.
template <class F>
double median_us(size_t items, int reps, F&& fn) {
  std::vector<double> per_item;
  for (size_t i = 0; i < items; ++i) per_item.push_back(1e6 * median_seconds(reps, [&] { fn(i); }));
  return median(per_item);
}

void proof_part(Context& ctx) {
  const size_t queries = ctx.quick() ? 40 : 300;
  const int reps = ctx.quick() ? 3 : 7;
  const fs::path dir = fs::temp_directory_path() / ("ghost-bench-ml-proof-" + std::to_string(getpid()));
  fs::remove_all(dir);
  struct Cleanup {
    fs::path p;
    ~Cleanup() { fs::remove_all(p); }
  } cleanup{dir};

  ctx.progress("proofs: building the fashion-mnist model in " + dir.string());
  const FashionSet train = must(load_fashion_train(), "fashion train");
  const FashionSet test = must(load_fashion_test(), "fashion test");
  if (auto r = build_fashion_model(dir, train); !r) throw std::runtime_error(r.error().message);
  ModelOptions opt;
  opt.use_index = false;  // exact top-k: the proof's size and cost do not depend on the search
  auto model = must(Model::open(dir, opt), "open model");
  const ModelVersion version = must(model_version(ghost_file_of(*model)), "model version");

  ctx.progress("proofs: " + std::to_string(queries) + " exact inferences and training steps");
  std::vector<Bytes> raw, wire, delta, train_proofs;
  std::vector<Bytes> leaves;  // the canonical bytes each proof opens (the hashing baseline)
  for (size_t q = 0; q < queries; ++q) {
    const ByteSpan image = test.image(q);
    auto inf = must(model->infer(image, Search::exact), "infer");
    raw.push_back(pb::encode(make_ghost_proof(*model, version.model_id, 0, image, inf, pb::LEAVES_RAW)));
    wire.push_back(pb::encode(make_ghost_proof(*model, version.model_id, 0, image, inf, LeafWire::shortest())));
    delta.push_back(pb::encode(make_ghost_proof(*model, version.model_id, 0, image, inf, pb::LEAVES_DELTA_ZSTD)));
    Bytes l = encode_floats(inf.layers[0].leaves.keys);
    append_floats(l, inf.layers[0].leaves.values);
    leaves.push_back(std::move(l));
    const auto target = one_hot(test.labels[q]);
    auto step = must(model->train_step(image, target, 0.1f, Search::exact), "train step");
    train_proofs.push_back(pb::encode(make_train_proof(*model, version.model_id, 0, image, target, 0.1f, step, LeafWire::shortest())));
  }
  auto median_size = [](const std::vector<Bytes>& v) {
    std::vector<double> s;
    for (const auto& b : v) s.push_back(double(b.size()));
    return median(s);
  };
  const double raw_bytes = median_size(raw), wire_bytes = median_size(wire), delta_bytes = median_size(delta);
  ctx.report({"ml.fashion.cgp_bytes_raw", raw_bytes, "bytes", "",
              "median over " + std::to_string(queries) + " test images: 16 W_K columns (784 floats) + 16 W_V rows + " +
                  "two multiproofs over 60,000 leaves + input + output"});
  ctx.report({"ml.fashion.cgp_bytes_wire", wire_bytes, "bytes", "cgp_bytes_raw",
              num(wire_bytes / raw_bytes, 3) + " x raw (goal <= 0.5): shortest of zstd / XOR-delta+zstd per opening; "
              "XOR-delta+zstd alone " + num(delta_bytes / raw_bytes, 3) + " x raw"});

  for (size_t q = 0; q < queries; ++q) must(verify_ghost_proof_bytes(wire[q], version), "verify");
  const double verify_us = median_us(queries, reps, [&](size_t q) { (void)verify_ghost_proof_bytes(wire[q], version); });
  const double hash_us = median_us(queries, reps, [&](size_t q) { (void)sha256(leaves[q]); });
  ctx.report({"ml.fashion.cgp_verify_us", verify_us, "us", "SHA-256 of the opened leaves",
              "median: decode + decompress + 2 multiproofs + canonical forward; " + num(verify_us / hash_us, 1) +
                  " x one SHA-256 over the same leaf bytes (" + num(hash_us, 0) + " us); goal <= 300"});

  std::vector<pb::TrainProof> decoded;
  for (const auto& b : train_proofs) {
    decoded.push_back(must(pb::decode_as<pb::TrainProof>(b), "decode train proof"));
    must(verify_train_proof(decoded.back(), version), "verify train proof");
  }
  const double train_us = median_us(queries, reps, [&](size_t q) { (void)verify_train_proof(decoded[q], version); });
  ctx.report({"ml.fashion.train_verify_us", train_us, "us", "cgp_verify_us",
              num(train_us / verify_us, 2) + " x an inference proof: forward check + the step + new roots from the "
              "old multiproofs (wire leaves, median over " + std::to_string(queries) + " one-hot steps)"});
}

}  // namespace

GHOST_BENCH_SUITE("ml", "ghost proof size and verification cost on fashion-mnist", proof_part);

}  // namespace ghost::bench
