// Metrics and their Prometheus text form (node/metrics/metrics.h). python3-prometheus-client
// parses the same output in the end-to-end tests.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "node/metrics/metrics.h"

namespace ghost::metrics {
namespace {

TEST(Metrics, RendersCountersGaugesAndHistogramsGroupedByName) {
  Registry r;
  r.counter("ghost_txs_rejected_total", "Rejected txs", {{"reason", "TX_BAD_NONCE"}}).inc(3);
  r.counter("ghost_txs_rejected_total", "Rejected txs", {{"reason", "TX_FEE_TOO_LOW"}}).inc();
  r.gauge("ghost_height", "Committed height").set(42);
  auto& h = r.histogram("ghost_block_interval_seconds", "Block interval", {0.5, 1, 2});
  h.observe(0.4), h.observe(1.0), h.observe(5);
  EXPECT_EQ(r.render(),
            "# HELP ghost_block_interval_seconds Block interval\n"
            "# TYPE ghost_block_interval_seconds histogram\n"
            "ghost_block_interval_seconds_bucket{le=\"0.5\"} 1\n"
            "ghost_block_interval_seconds_bucket{le=\"1\"} 2\n"
            "ghost_block_interval_seconds_bucket{le=\"2\"} 2\n"
            "ghost_block_interval_seconds_bucket{le=\"+Inf\"} 3\n"
            "ghost_block_interval_seconds_sum 6.4\n"
            "ghost_block_interval_seconds_count 3\n"
            "# HELP ghost_height Committed height\n"
            "# TYPE ghost_height gauge\n"
            "ghost_height 42\n"
            "# HELP ghost_txs_rejected_total Rejected txs\n"
            "# TYPE ghost_txs_rejected_total counter\n"
            "ghost_txs_rejected_total{reason=\"TX_BAD_NONCE\"} 3\n"
            "ghost_txs_rejected_total{reason=\"TX_FEE_TOO_LOW\"} 1\n");
}

TEST(Metrics, SameNameAndLabelsIsTheSameObject) {
  Registry r;
  EXPECT_EQ(&r.counter("a_total", "x"), &r.counter("a_total", "x"));
  EXPECT_NE(&r.counter("a_total", "x", {{"k", "1"}}), &r.counter("a_total", "x", {{"k", "2"}}));
}

TEST(Metrics, RefusesBadNamesLabelsAndKindClashes) {
  Registry r;
  EXPECT_THROW(r.counter("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "x", {{"le", "1"}}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "x", {{"__x", "1"}}), std::invalid_argument);
  r.counter("clash", "x");
  EXPECT_THROW(r.gauge("clash", "x"), std::invalid_argument);
  EXPECT_THROW(Histogram({2, 1}), std::invalid_argument);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.counter("e_total", "line\nbreak \\ here", {{"v", "a\"b\\c\nd"}}).inc();
  EXPECT_EQ(r.render(),
            "# HELP e_total line\\nbreak \\\\ here\n# TYPE e_total counter\n"
            "e_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Registry r;
  auto& c = r.counter("c_total", "x");
  auto& g = r.gauge("g", "x");
  auto& h = r.histogram("h", "x", {1});
  std::vector<std::jthread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc(), g.add(1), h.observe(0.5);
    });
  ts.clear();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(g.value(), 40000.0);
  EXPECT_EQ(h.snapshot().count, 40000u);
}

}  // namespace
}  // namespace ghost::metrics
