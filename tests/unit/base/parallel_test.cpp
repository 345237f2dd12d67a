// Data-parallel loops (base/parallel.h): every index exactly once, chunks as documented.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "base/parallel.h"

namespace ghost {
namespace {

TEST(Parallel, ChunksCoverEveryIndexOnceInOrderPerChunk) {
  for (uint64_t n : {0, 1, 2, 7, 1000, 4097})
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
      std::vector<std::atomic<int>> hits(n);
      std::vector<std::pair<uint64_t, uint64_t>> ranges(threads);
      parallel_chunks(n, threads, [&](unsigned t, uint64_t b, uint64_t e) {
        ranges[t] = {b, e};
        for (uint64_t i = b; i < e; ++i) ++hits[i];
      });
      for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << n << " " << threads << " " << i;
      for (unsigned t = 0; t < threads; ++t) {
        EXPECT_EQ(ranges[t].first, n * t / threads);
        EXPECT_EQ(ranges[t].second, n * (t + 1) / threads);
      }
    }
}

TEST(Parallel, ForEachVisitsEveryIndexOnce) {
  for (uint64_t n : {0, 1, 5, 10000})
    for (unsigned threads : {0u, 1u, 4u}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_for_each(n, threads, [&](uint64_t i) { ++hits[i]; });
      for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << n << " " << threads << " " << i;
    }
}

TEST(Parallel, ZeroThreadsMeansEveryCore) { EXPECT_GE(resolve_threads(0), 1u); EXPECT_EQ(resolve_threads(3), 3u); }

}  // namespace
}  // namespace ghost
