#include "bench/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "base/file.h"

namespace ghost::bench {

namespace fs = std::filesystem;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string log_tail(const fs::path& path, int lines) {
  auto bytes = read_file(path);
  const std::string text = bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
  size_t at = text.size();
  for (int n = 0; n < lines && at > 1; ++n) {
    const size_t nl = text.rfind('\n', at - 2);  // the newline before the line that ends at `at`
    at = nl == std::string::npos ? 0 : nl + 1;
  }
  return "--- " + path.string() + " (last lines) ---\n" + text.substr(at);
}

namespace {
int open_log(const fs::path& p) {
  const int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string() + ": " + std::strerror(errno));
  return fd;
}
}  // namespace

Child::Child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
             const std::vector<std::string>& env) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
  env_text.insert(env_text.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string exec_failed = "cannot execute " + argv[0] + "\n";
  const int out_fd = open_log(out), err_fd = err.empty() ? out_fd : open_log(err);
  pid_ = fork();
  if (pid_ == 0) {  // only async-signal-safe calls until exec
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execve(args[0], args.data(), envp.data());
    (void)!write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    _exit(127);
  }
  const int fork_errno = errno;
  close(out_fd);
  if (err_fd != out_fd) close(err_fd);
  if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(fork_errno)));
}

bool Child::running() {
  int st = 0;
  if (status_ < 0 && waitpid(pid_, &st, WNOHANG) == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_ < 0;
}

void Child::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

// Sleeps on a pidfd until the child exits: a fixed polling step would round every timed
// command up to that step (a 20 ms poll once made a 12 ms `ghost query status` read 41 ms).
std::optional<int> Child::wait_exit(double limit_s) {
  const int fd = running() ? int(syscall(SYS_pidfd_open, pid_, 0)) : -1;
  for (const auto start = Clock::now(); running();) {
    const double left = limit_s - seconds_since(start);
    if (left <= 0) break;
    if (fd >= 0) {
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, int(std::min(left * 1e3 + 1, 1e3)));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (fd >= 0) ::close(fd);
  if (running()) return std::nullopt;
  return status_;
}

void Child::kill_now() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  status_ = 128 + SIGKILL;
}

int run_to_end(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err, double limit_s,
               const std::vector<std::string>& env) {
  Child c(argv, out, err, env);
  if (auto code = c.wait_exit(limit_s)) return *code;
  throw std::runtime_error(argv[0] + " did not finish within " + fixed(limit_s, 0) + " s\n" + log_tail(err));
}

double wait_until(const std::string& what, double limit_s, const std::function<bool()>& done, const fs::path& log,
                  Child* proc) {
  const auto start = Clock::now();
  for (;;) {
    if (proc && !proc->running())
      throw std::runtime_error("exited (code " + std::to_string(*proc->wait_exit(0)) + ") while waiting for " + what + "\n" +
                               log_tail(log));
    bool ok = false;
    try {
      ok = done();
    } catch (const std::exception&) {
    }
    if (ok) return seconds_since(start);
    if (seconds_since(start) > limit_s)
      throw std::runtime_error("timed out after " + fixed(limit_s, 0) + " s waiting for " + what + "\n" + log_tail(log));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string text_of(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes) throw std::runtime_error("reading " + path.string() + ": " + bytes.error().message);
  return std::string(bytes->begin(), bytes->end());
}

uint16_t free_port_base(int count) {
  // Below the kernel's ephemeral range, so no outbound socket (a node dialling a peer) takes
  // one of these ports between this check and the node's bind.
  int low = 32768;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d", &low) != 1) low = 32768;
    std::fclose(f);
  }
  low = std::max(low, 10000 + 2 * count);
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = std::uniform_int_distribution<int>(10000, low - count)(rng);
    bool free = true;
    for (int port = base; free && port < base + count; ++port) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(uint16_t(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      free = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      if (fd >= 0) close(fd);
    }
    if (free) return uint16_t(base);
  }
  throw std::runtime_error("no free range of " + std::to_string(count) + " loopback ports");
}

double peak_rss_mb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024;  // kB
  throw std::runtime_error("no VmHWM for pid " + std::to_string(pid));
}

}  // namespace ghost::bench
