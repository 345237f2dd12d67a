// Child processes for the suites that run real nodes (testnet): start, wait, reap, and
// what an error message needs from their logs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ghost::bench {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t);
std::string fixed(double v, int digits = 1);  // "%.*f"


// A whole file as text (a child's result or log); throws naming the path.
std::string text_of(const std::filesystem::path& path);

// The last `lines` lines of a log, headed by its path, for error messages.
std::string log_tail(const std::filesystem::path& path, int lines = 30);

// A child process with stdout and stderr in log files. Dropping it SIGKILLs and reaps it, so
// no exit path (exceptions included) leaves a node running; PDEATHSIG covers ghost-bench
// itself being killed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err = {},
        const std::vector<std::string>& env = {});  // env: extra NAME=VALUE
  ~Child() { kill_now(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // The exit code (128 + signal if killed), or nothing if it still runs after `limit_s`.
  std::optional<int> wait_exit(double limit_s);
  void kill_now();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Runs a program to its end within `limit_s`; its exit code. stdout goes to `out`, stderr to `err`.
int run_to_end(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err,
               double limit_s, const std::vector<std::string>& env = {});

// Polls `done` every 50 ms and returns the seconds until it held; an exception from it (a node
// not answering yet) counts as not done. Past `limit_s`, or as soon as `proc` has exited,
// throws with the tail of `log`.
double wait_until(const std::string& what, double limit_s, const std::function<bool()>& done,
                  const std::filesystem::path& log, Child* proc = nullptr);

// A base port such that base .. base+count-1 are free on 127.0.0.1 now (as tests/e2e/ghostnet.py).
uint16_t free_port_base(int count);

// The process's peak resident set (VmHWM) in MB.
double peak_rss_mb(pid_t pid);

}  // namespace ghost::bench
