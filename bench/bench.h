// ghost-bench: suites register themselves and report figures (ratios against a baseline
// measured in the same run, medians of repeated runs).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/result.h"

namespace ghost::bench {

struct Figure {
  std::string name;      // "merkle.build_vs_sha256"
  double value = 0;
  std::string unit;      // "ratio", "us", "bytes", "1/s", ...
  std::string baseline;  // what the ratio is against, empty if none
  std::string note;      // goal, sizes, anything a reader needs
};

class Context {
 public:
  Context(std::string suite, bool quick, bool json) : suite_(std::move(suite)), quick_(quick), json_(json) {}
  bool quick() const { return quick_; }
  // Prints the figure (a JSON line with --json, aligned text otherwise).
  void report(const Figure& f);
  // Progress for long phases; goes to stderr so --json output stays clean.
  void progress(const std::string& what) const;

 private:
  std::string suite_;
  bool quick_, json_;
};

using SuiteFn = std::function<void(Context&)>;
// Several files may register parts of one suite; they run in link order (`--part` picks some by
// their description).
bool register_suite(const std::string& name, const std::string& about, SuiteFn fn);

// A fresh directory under the system temp dir, removed with everything in it on scope exit.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

// A positive number from the environment variable `name`, or `fallback` when it is unset.
double env_positive(const char* name, double fallback);

// The value of a setup step that must succeed; a failure aborts the suite with its reason.
template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}
inline void must(Result<void> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
}

// Runs fn `reps` times and returns the median of its wall-clock seconds.
double median_seconds(int reps, const std::function<void()>& fn);
double median(std::vector<double> v);
// The value at rank p (0 to 1) of v sorted, 0 for an empty v (tails: p 0.9, 0.99).
double percentile(std::vector<double> v, double p);

}  // namespace ghost::bench

#define GHOST_BENCH_SUITE(name, about, fn) \
  static const bool ghost_bench_registered_##fn = ::ghost::bench::register_suite(name, about, fn)
