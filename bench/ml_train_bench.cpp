// Suite "ml", training part: accuracy on the fashion-mnist test set after sparse training
// steps (docs/protocol.md §3) on training images the memory does not hold.
//
// The scheme (issue #3) was chosen on a validation split of the training set only, never on
// the test set: memory = training images [0, 30000), steps on [30000, 50000), accuracy on
// [50000, 60000) (the split 40,000 / 20,000 shifted down by the 10,000 validation images).
// It was re-chosen when the default beta became 150 (fashion_layer), because the step's W_K
// update is scaled by beta: lr0 in {0.3, 0.1, 0.03} (x 0.6^epoch, 5 epochs), then 0.01, were
// compared at beta 150 on that split, printing validation accuracy after each epoch; lr0 0.03
// was best, peaking after 4 epochs. The configurations tried and their validation accuracies
// are in docs/decisions.md; the bench runs the chosen scheme once on the real split below.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/ml_bench_util.h"
#include "ml/serve/fashion_mnist.h"
#include "ml/serve/memory_layer.h"

namespace ghost::bench {
namespace {

using namespace ghost::ml;

// The chosen scheme: `epochs` passes over the held-out images, each in a fresh pseudo-random
// order (Fisher-Yates on mt19937_64 seeded with 1, so every run trains on the same sequence),
// learning rate lr0 * decay^epoch, target one-hot.
constexpr int kEpochs = 4;
constexpr float kLr0 = 0.03f, kDecay = 0.6f;

double accuracy(const MemoryLayer& layer, const FashionSet& set, uint64_t n) {
  std::vector<ByteSpan> inputs;
  for (uint64_t i = 0; i < n; ++i) inputs.push_back(set.image(i));
  auto passes = layer.forward_batch(inputs);
  uint64_t right = 0;
  for (uint64_t i = 0; i < n; ++i) right += argmax(must(std::move(passes[i]), "forward").output) == set.labels[i];
  return double(right) / double(n);
}

void training_part(Context& ctx) {
  const bool quick = ctx.quick();
  const FashionSet train = must(load_fashion_train(), "fashion train");
  const FashionSet test = must(load_fashion_test(), "fashion test");
  const uint64_t memory = quick ? 10000 : 40000, held_out = quick ? 5000 : 20000, n_test = quick ? 1000 : 10000;
  const int epochs = quick ? 2 : kEpochs;
  MemoryLayer layer = fashion_memory_layer(train, 0, memory);
  ctx.progress("training: accuracy before");
  const double before = accuracy(layer, test, n_test);

  std::vector<uint64_t> order(held_out);
  for (uint64_t i = 0; i < held_out; ++i) order[i] = memory + i;
  std::mt19937_64 rng(1);
  const auto t0 = Clock::now();
  for (int e = 0; e < epochs; ++e) {
    ctx.progress("training: epoch " + std::to_string(e + 1) + " of " + std::to_string(epochs) + ", " +
                 std::to_string(held_out) + " sparse steps");
    for (uint64_t i = held_out - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    float lr = kLr0;
    for (int j = 0; j < e; ++j) lr *= kDecay;
    std::vector<ByteSpan> inputs;
    std::vector<std::vector<float>> targets;
    for (uint64_t i : order) {
      inputs.push_back(train.image(i));
      targets.push_back(one_hot(train.labels[i]));
    }
    must(layer.train_sequence(inputs, targets, std::vector<float>(held_out, lr)), "train");
  }
  const double train_s = seconds_since(t0);
  ctx.progress("training: accuracy after");
  const double after = accuracy(layer, test, n_test);
  ctx.report({"ml.fashion.accuracy_after_training", after, "ratio", "test labels",
              "W_K/W_V = first " + std::to_string(memory) + " training images; sparse steps (exact top-" +
                  std::to_string(layer.spec().k) + ", beta " + num(layer.spec().beta, 0) +
                  ", L = 0.5|o - t|^2, one-hot target) on the next " + std::to_string(held_out) +
                  " training images (held out of the memory), " + std::to_string(epochs) +
                  " epochs in a fixed pseudo-random order, lr " + num(kLr0, 2) + " x " + num(kDecay, 2) +
                  "^epoch (scheme chosen at this beta on a validation split of the training set: memory 30,000, "
                  "steps on the next 20,000, accuracy on the last 10,000; lr0 0.3, 0.1, 0.03, 0.01 compared); "
                  "eval on " + std::to_string(n_test) + " test images (before training: " + num(before, 4) + "); " +
                  std::to_string(uint64_t(epochs) * held_out) + " steps in " + num(train_s, 1) + " s" +
                  (quick ? " (quick: memory 10,000, 5,000 held out, 2 epochs, 1,000 test images)" : "") +
                  "; goal > 0.87"});
}

}  // namespace

GHOST_BENCH_SUITE("ml", "accuracy after sparse training steps on fashion-mnist", training_part);

}  // namespace ghost::bench
