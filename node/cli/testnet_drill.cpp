// `ghost testnet start|status|stop|kill|pause|resume|restart|isolate|rejoin`: run the nodes
// of a local testnet and drill faults on them. Everything works through the nodes' own files
// (the pid in HOME/ghostd.lock) and signals, so no node opens a port for it.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <thread>

#include "base/file.h"
#include "node/cli/cli.h"
#include "node/cli/node_client.h"
#include "node/cli/testnet.h"
#include "node/daemon/home.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The node's process state from /proc: running, paused (stopped by SIGSTOP) or stopped.
std::string process_state(const std::optional<int>& pid) {
  if (!pid) return "stopped";
  std::string stat;
  if (auto text = read_file("/proc/" + std::to_string(*pid) + "/stat", 4096)) stat.assign(text->begin(), text->end());
  const auto close = stat.rfind(')');
  if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'T') return "paused";
  return "running";
}

// The ghostd beside this ghost binary, else the one on PATH.
std::string ghostd_binary(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  const fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / "ghostd";
  if (!ec && fs::exists(beside, ec)) return beside.string();
  return "ghostd";
}

// Starts ghostd on the node's home in its own session (so a Ctrl-C in this terminal does not
// reach it), output appended to HOME/ghostd.log. Returns the child's pid.
int spawn(const TestnetNode& n, const std::string& ghostd) {
  const daemon::Home home{n.home};
  const pid_t pid = ::fork();
  if (pid < 0) fail_with(kExitUsage, std::string("cannot start a process: ") + std::strerror(errno));
  if (pid == 0) {
    ::setsid();
    const int out = ::open(home.log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(127);
    std::vector<std::string> args{ghostd, "start", "--home", n.home.string()};
    if (n.validator) args.push_back("--validator");
    if (n.worker) args.push_back("--worker");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    const std::string why = "ghost testnet: cannot run " + ghostd + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, why.data(), why.size());
    ::_exit(127);
  }
  return pid;
}

// The last lines of the node's log, for a node that failed to come up.
std::string log_tail(const TestnetNode& n, size_t lines = 15) {
  auto text = read_file(daemon::Home{n.home}.log());
  if (!text) return "";
  std::string s(text->begin(), text->end());
  size_t pos = s.size();
  for (size_t i = 0; i <= lines && pos > 0; ++i) pos = s.rfind('\n', pos - 1);
  return s.substr(pos == std::string::npos ? 0 : pos + 1);
}

struct Common {
  std::string dir, ghostd;
  std::vector<std::string> nodes;
  double timeout_s = 30;
  bool json = false;
};

void start(const Testnet& t, const Common& c) {
  const std::string ghostd = ghostd_binary(c.ghostd);
  std::vector<std::pair<const TestnetNode*, int>> started;
  for (const TestnetNode* n : t.select(c.nodes)) {
    if (daemon::running_ghostd(daemon::Home{n->home})) continue;
    started.emplace_back(n, spawn(*n, ghostd));
  }
  // Up = its RPC answers; a child that exits first failed (its log says why).
  const auto deadline = Clock::now() + std::chrono::duration<double>(c.timeout_s);
  for (auto& [n, pid] : started) {
    for (;;) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid)
        fail_with(kExitUsage, n->name + " exited at start; the end of " + daemon::Home{n->home}.log().string() + ":\n" +
                                  log_tail(*n));
      try {
        if (NodeClient(n->rpc).get("/status", std::chrono::milliseconds(500)).status == 200) break;
      } catch (const CommandError&) {
      }
      if (Clock::now() > deadline) fail_with(kExitTimeout, n->name + " did not answer on " + n->rpc + " in time; see " + daemon::Home{n->home}.log().string());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!c.json) std::cout << "started " << n->name << " (pid " << pid << ", rpc " << n->rpc << ")\n";
  }
  if (c.json) {
    json::array a;
    for (auto& [n, pid] : started) a.push_back(json::object{{"name", n->name}, {"pid", pid}, {"rpc", n->rpc}});
    std::cout << json::serialize(json::object{{"started", a}}) << "\n";
  }
}

void status(const Testnet& t, const Common& c) {
  json::array rows;
  for (const TestnetNode* n : t.select(c.nodes)) {
    const auto pid = daemon::running_ghostd(daemon::Home{n->home});
    json::object row{{"name", n->name}, {"state", process_state(pid)}, {"pid", pid ? json::value(*pid) : nullptr},
                     {"rpc", n->rpc}, {"height", nullptr}, {"peers", nullptr}};
    if (pid && row["state"] == "running") {
      try {
        auto r = NodeClient(n->rpc).get("/status", std::chrono::milliseconds(1000));
        if (r.status == 200 && r.body.is_object()) {
          const auto& o = r.body.as_object();
          if (o.contains("height")) row["height"] = json_u64(o.at("height"));
          if (o.contains("peers")) row["peers"] = o.at("peers");
        }
      } catch (const CommandError&) {
      }
    }
    rows.push_back(std::move(row));
  }
  if (c.json) {
    std::cout << json::serialize(json::object{{"chain_id", t.chain_id}, {"nodes", rows}}) << "\n";
    return;
  }
  auto cell = [](const json::value& v) { return v.is_null() ? std::string("-") : v.is_string() ? std::string(v.get_string()) : json::serialize(v); };
  std::cout << std::left << std::setw(10) << "NODE" << std::setw(9) << "STATE" << std::setw(9) << "PID" << std::setw(9)
            << "HEIGHT" << std::setw(7) << "PEERS" << "RPC\n";
  for (const auto& r : rows) {
    const auto& o = r.as_object();
    std::cout << std::setw(10) << cell(o.at("name")) << std::setw(9) << cell(o.at("state")) << std::setw(9) << cell(o.at("pid"))
              << std::setw(9) << cell(o.at("height")) << std::setw(7) << cell(o.at("peers")) << cell(o.at("rpc")) << "\n";
  }
}

// Sends `sig` to every selected running node; with `wait_exit`, waits until each has exited
// (SIGTERM: a clean stop) and fails with kExitTimeout when one has not.
void signal_nodes(const Testnet& t, const Common& c, int sig, const char* done, bool wait_exit) {
  std::vector<std::pair<const TestnetNode*, int>> hit;
  for (const TestnetNode* n : t.select(c.nodes)) {
    const auto pid = daemon::running_ghostd(daemon::Home{n->home});
    if (!pid) {
      if (!c.json) std::cout << n->name << " is not running\n";
      continue;
    }
    if (sig == SIGTERM || sig == SIGKILL) ::kill(*pid, SIGCONT);  // a paused node must run to exit
    if (::kill(*pid, sig) != 0) fail_with(kExitUsage, "cannot signal " + n->name + ": " + std::strerror(errno));
    hit.emplace_back(n, *pid);
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(c.timeout_s);
  for (auto& [n, pid] : hit) {
    while (wait_exit && daemon::running_ghostd(daemon::Home{n->home})) {
      if (Clock::now() > deadline)
        fail_with(kExitTimeout, n->name + " (pid " + std::to_string(pid) + ") did not stop in time; `ghost testnet kill " + n->name + "` ends it");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!c.json) std::cout << done << " " << n->name << " (pid " << pid << ")\n";
  }
  if (c.json) {
    json::array a;
    for (auto& [n, pid] : hit) a.push_back(json::object{{"name", n->name}, {"pid", pid}});
    std::cout << json::serialize(json::object{{done, a}}) << "\n";
  }
}

}  // namespace

void add_testnet_drills(CLI::App& testnet_cmd) {
  CLI::App* testnet = &testnet_cmd;
  auto add = [&](const std::string& name, const std::string& help, bool nodes_required, auto action) {
    auto c = std::make_shared<Common>();
    CLI::App* cmd = testnet->add_subcommand(name, help);
    auto* nodes = cmd->add_option("NODE", c->nodes, "Nodes by name (node0) or index (0); none = every node");
    if (nodes_required) nodes->required();
    cmd->add_option("--dir", c->dir, "The testnet folder (default: $GHOST_TESTNET, else ~/.ghost/testnet)");
    cmd->add_option("--timeout", c->timeout_s, "Seconds to wait for nodes to come up or stop")->capture_default_str();
    cmd->add_flag("--json", c->json, "Print the result as JSON");
    cmd->callback([c, action] { action(load_testnet(c->dir), *c); });
    return std::make_pair(cmd, c);
  };
  auto [start_cmd, start_args] = add("start", "Start the testnet's nodes that are not running (logs in HOME/ghostd.log)", false, start);
  start_cmd->add_option("--ghostd", start_args->ghostd, "The ghostd binary (default: beside ghost, else on PATH)");
  add("status", "Each node's process state, pid, height and peers", false, status);
  add("stop", "Stop nodes cleanly (SIGTERM) and wait until they have exited", false,
      [](const Testnet& t, const Common& c) { signal_nodes(t, c, SIGTERM, "stopped", true); });
  add("kill", "Kill nodes at once (SIGKILL): the crash drill", true,
      [](const Testnet& t, const Common& c) { signal_nodes(t, c, SIGKILL, "killed", true); });
  add("pause", "Freeze nodes (SIGSTOP): alive to the kernel, silent to peers", true,
      [](const Testnet& t, const Common& c) { signal_nodes(t, c, SIGSTOP, "paused", false); });
  add("resume", "Let paused nodes run again (SIGCONT)", true,
      [](const Testnet& t, const Common& c) { signal_nodes(t, c, SIGCONT, "resumed", false); });
  auto [restart_cmd, restart_args] = add("restart", "Stop nodes cleanly, then start them again", true, [](const Testnet& t, const Common& c) {
    signal_nodes(t, c, SIGTERM, "stopped", true);
    start(t, c);
  });
  restart_cmd->add_option("--ghostd", restart_args->ghostd, "The ghostd binary (default: beside ghost, else on PATH)");
  add("isolate", "Cut nodes off every peer (SIGUSR1) until `rejoin`: the partition drill", true,
      [](const Testnet& t, const Common& c) { signal_nodes(t, c, SIGUSR1, "isolated", false); });
  add("rejoin", "Let isolated nodes reconnect to their peers (SIGUSR2)", true,
      [](const Testnet& t, const Common& c) { signal_nodes(t, c, SIGUSR2, "rejoined", false); });
}

}  // namespace ghost::cli
