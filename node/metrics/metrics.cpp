#include "node/metrics/metrics.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace ghost::metrics {
namespace {

bool valid_name(const std::string& n, bool label) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = std::isalpha(uint8_t(c)) || c == '_' || (!label && c == ':') || (i > 0 && std::isdigit(uint8_t(c)));
    if (!ok) return false;
  }
  return true;
}

void add_to(std::atomic<double>& a, double d) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char b[40];
  auto r = std::to_chars(b, b + sizeof b, v);  // shortest text that reads back exactly
  return std::string(b, r.ptr);
}

std::string escape(const std::string& s, bool help) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && !help) out += "\\\"";
    else out += c;
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra_key = {}, const std::string& extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape(v, false) + "\"";
  }
  if (!extra_key.empty()) out += std::string(first ? "" : ",") + extra_key + "=\"" + extra_value + "\"";
  return out + "}";
}

void check_labels(const Labels& labels) {
  for (const auto& [k, v] : labels)
    if (!valid_name(k, true) || k.starts_with("__") || k == "le") throw std::invalid_argument("bad metric label " + k);
}

}  // namespace

void Gauge::add(double d) { add_to(v_, d); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (size_t i = 1; i < bounds_.size(); ++i)
    if (!(bounds_[i - 1] < bounds_[i])) throw std::invalid_argument("histogram bounds must ascend");
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  add_to(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t run = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) s.cumulative.push_back(run += buckets_[i].load(std::memory_order_relaxed));
  s.sum = sum_.load(std::memory_order_relaxed);
  s.count = run;  // consistent with the buckets even while observations land
  return s;
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Kind kind) {
  if (!valid_name(name, false)) throw std::invalid_argument("bad metric name " + name);
  auto [it, fresh] = families_.try_emplace(name, Family{kind, help, {}, {}, {}});
  if (!fresh && it->second.kind != kind) throw std::invalid_argument("metric " + name + " registered with two kinds");
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  check_labels(labels);
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, Kind::kCounter).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  check_labels(labels);
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, Kind::kGauge).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                               const Labels& labels) {
  check_labels(labels);
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, Kind::kHistogram).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    static const char* kinds[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + escape(f.help, true) + "\n";
    out += "# TYPE " + name + " " + kinds[int(f.kind)] + "\n";
    for (const auto& [labels, c] : f.counters) out += name + label_text(labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges) out += name + label_text(labels) + " " + number(g->value()) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      auto s = h->snapshot();
      for (size_t i = 0; i <= s.bounds.size(); ++i)
        out += name + "_bucket" + label_text(labels, "le", i < s.bounds.size() ? number(s.bounds[i]) : "+Inf") + " " +
               std::to_string(s.cumulative[i]) + "\n";
      out += name + "_sum" + label_text(labels) + " " + number(s.sum) + "\n";
      out += name + "_count" + label_text(labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace ghost::metrics
