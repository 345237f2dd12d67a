// Suite "ml", training part: accuracy on the fashion-mnist test set after sparse training
// steps on inputs the memory does not hold.
#include <atomic>

#include "bench/bench.h"
#include "bench/ml_bench_util.h"
#include "ml/fashion_mnist.h"
#include "ml/memory_layer.h"

namespace ghost::bench {
namespace {

using namespace ghost::ml;

void training_part(Context& ctx) {
  const bool quick = ctx.quick();
  const FashionSet train = must(load_fashion_train(), "fashion train");
  const FashionSet test = must(load_fashion_test(), "fashion test");
  const uint64_t memory = quick ? 10000 : 50000, held_out = quick ? 5000 : 10000, n_test = quick ? 1000 : 10000;
  const float lr = 0.3f;
  MemoryLayer layer = fashion_memory_layer(train, 0, memory);
  auto accuracy = [&] {
    std::atomic<uint64_t> right{0};
    parallel(n_test, [&](size_t i) {
      auto pass = must(layer.forward(test.image(i), 1), "forward");
      right += argmax(pass.output) == test.labels[i];
    });
    return double(right) / double(n_test);
  };
  ctx.progress("training: accuracy before");
  const double before = accuracy();
  ctx.progress("training: " + std::to_string(held_out) + " sparse steps");
  for (uint64_t i = memory; i < memory + held_out; ++i)
    must(layer.train(train.image(i), one_hot(train.labels[i]), lr, 0), "train");
  const double after = accuracy();
  ctx.report({"ml.fashion.accuracy_after_training", after, "ratio", "test labels",
              "W_K/W_V = first " + std::to_string(memory) + " training images; one sparse step (exact top-16, target "
              "one-hot, lr 0.3) on each of the next " + std::to_string(held_out) + " (held out of the memory), one epoch; "
              "eval on " + std::to_string(n_test) + " test images (before training: " + num(before) + ")" +
              (quick ? " (quick: smaller memory)" : "") + "; goal > 0.87"});
}

}  // namespace

GHOST_BENCH_SUITE("ml", "accuracy after sparse training steps on fashion-mnist", training_part);

}  // namespace ghost::bench
