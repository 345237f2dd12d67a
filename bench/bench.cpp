#include "bench/bench.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

namespace ghost::bench {

namespace {
struct Part {
  std::string about;
  SuiteFn fn;
};
struct Suite {
  std::vector<Part> parts;  // a suite may be spread over several files
};
std::map<std::string, Suite>& suites() {
  static std::map<std::string, Suite> s;
  return s;
}
}  // namespace

bool register_suite(const std::string& name, const std::string& about, SuiteFn fn) {
  auto& s = suites()[name];
  s.parts.push_back({about, std::move(fn)});
  return true;
}

void Context::report(const Figure& f) {
  if (json_) {
    boost::json::object o{{"suite", suite_}, {"name", f.name},         {"value", f.value},
                          {"unit", f.unit},  {"baseline", f.baseline}, {"note", f.note}};
    std::cout << boost::json::serialize(o) << std::endl;
  } else {
    std::printf("%-44s %14.4f %-8s %s%s%s\n", f.name.c_str(), f.value, f.unit.c_str(),
                f.baseline.empty() ? "" : ("vs " + f.baseline).c_str(), f.note.empty() ? "" : "  # ",
                f.note.c_str());
    std::fflush(stdout);
  }
}

void Context::progress(const std::string& what) const {
  std::fprintf(stderr, "[%s] %s\n", suite_.c_str(), what.c_str());
}

ScratchDir::ScratchDir(const std::string& tag)
    : path(std::filesystem::temp_directory_path() / ("ghost-bench-" + tag + "-" + std::to_string(getpid()))) {
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

ScratchDir::~ScratchDir() {
  // GHOST_BENCH_KEEP keeps the nodes' logs and homes for a look after the run.
  if (const char* keep = std::getenv("GHOST_BENCH_KEEP"); keep && *keep) {
    std::cerr << "kept " << path.string() << "\n";
    return;
  }
  std::filesystem::remove_all(path);
}

double env_positive(const char* name, double fallback) {
  const char* env = std::getenv(name);
  if (!env || !*env) return fallback;
  char* end = nullptr;
  const double v = std::strtod(env, &end);
  if (*end || !(v > 0)) throw std::runtime_error(std::string(name) + " must be a positive number, not \"" + env + "\"");
  return v;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

double median_seconds(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  return median(std::move(t));
}

}  // namespace ghost::bench

int main(int argc, char** argv) {
  using namespace ghost::bench;
  CLI::App app{"ghost-bench: Ghostchain benchmarks, each figure a ratio against a baseline in the same run"};
  std::string suite, part;
  bool quick = false, json = false;
  std::string list_help = "suite to run:";
  for (auto& [name, s] : suites())
    for (size_t i = 0; i < s.parts.size(); ++i) list_help += "\n  " + (i ? std::string(name.size(), ' ') : name) + ": " + s.parts[i].about;
  list_help += "\n  all: every suite";
  app.add_option("suite", suite, list_help)->required();
  app.add_flag("--quick", quick, "smaller sizes and fewer repetitions (what CI runs)");
  app.add_flag("--json", json, "one JSON object per figure on stdout");
  app.add_option("--part", part, "run only the parts of the suite whose description (as listed above) contains this text");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> run;
  if (suite == "all") {
    for (auto& [name, s] : suites()) run.push_back(name);
  } else if (suites().count(suite)) {
    run.push_back(suite);
  } else {
    std::cerr << "unknown suite '" << suite << "'; run ghost-bench --help for the list\n";
    return 2;
  }
  int ran = 0;
  for (auto& name : run) {
    Context ctx(name, quick, json);
    for (auto& p : suites()[name].parts)
      if (p.about.find(part) != std::string::npos) p.fn(ctx), ++ran;
  }
  if (ran == 0) {
    std::cerr << "no part of '" << suite << "' is described with '" << part << "'; run ghost-bench --help for the list\n";
    return 2;
  }
  return 0;
}
