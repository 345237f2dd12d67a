// Suite "testnet", the newcomer's part: `testnet/run --demo` on an already built tree timed
// from launch to the first committed block, and `ghost query status` against a local node
// set against the same request made in-process (what the process start and CLI cost).
#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <thread>

#include "bench/bench.h"
#include "bench/process.h"
#include "node/cli/node_client.h"

namespace ghost::bench {
namespace {

namespace fs = std::filesystem;

// The nodes `ghost testnet start` runs are not our children: on any exit, kill them by name.
struct KillTestnetOnExit {
  std::vector<std::string> argv;
  fs::path log;
  ~KillTestnetOnExit() {
    try {
      run_to_end(argv, log, log, 60);
    } catch (...) {
    }
  }
};

void newcomer(Context& ctx) {
  const fs::path bin = fs::read_symlink("/proc/self/exe").parent_path();
  const fs::path script = fs::path(GHOST_SOURCE_DIR) / "testnet" / "run";
  ScratchDir scratch("testnet-run");
  const fs::path net = scratch.path / "net", log = scratch.path / "run.log";
  const uint16_t base = free_port_base(12);
  const std::string ghost = (bin / "ghost").string(), dir = net.string();
  KillTestnetOnExit guard{{ghost, "testnet", "kill", "0", "1", "2", "3", "worker0", "worker1", "--dir", dir},
                          scratch.path / "kill.log"};
  // The model is built once per machine (testnet/run keeps it); timed here is the run on a built tree.
  fs::path model = scratch.path / "fashion-mnist";
  if (const char* m = std::getenv("GHOST_MODEL"); m && *m) model = m;
  if (!fs::exists(model / "model.ghost")) {
    ctx.progress("building the fashion-mnist model in " + model.string() + " (set GHOST_MODEL to reuse one)");
    if (int c = run_to_end({ghost, "model", "build", "fashion-mnist", "--out", model.string()}, scratch.path / "build.log",
                           scratch.path / "build.err", 600);
        c != 0)
      throw std::runtime_error("ghost model build exited " + std::to_string(c) + "\n" + log_tail(scratch.path / "build.err"));
  }
  cli::NodeClient node0("http://127.0.0.1:" + std::to_string(base + 1));

  ctx.progress("testnet/run --demo in " + net.string());
  Child run({script.string(), "--demo"}, log, log,
            {"GHOST_TESTNET=" + dir, "GHOST_BASE_PORT=" + std::to_string(base), "GHOST_MODEL=" + model.string()});
  const double first_block_s = wait_until("the first committed block of testnet/run --demo", 120, [&] {
    return cli::json_u64(node0.get("/status", std::chrono::milliseconds(500)).body.at("height")) >= 1;
  }, log, &run);
  const auto code = run.wait_exit(180);
  if (code != 0) throw std::runtime_error("testnet/run --demo " + (code ? "exited " + std::to_string(*code) : "did not finish in 180 s") + "\n" + log_tail(log));
  ctx.report({"testnet.run_to_first_block_s", first_block_s, "s", "",
              "testnet/run --demo on a built tree and model (setup check, init, 4 validators and 2 workers started), launch "
              "to height 1; the whole demo (transfer, paid inference settled, nodes stopped) exited 0; goal <= 5"});

  // The same testnet again, for the client's round trip.
  if (int c = run_to_end({ghost, "testnet", "start", "--dir", dir}, log, log, 60); c != 0)
    throw std::runtime_error("ghost testnet start exited " + std::to_string(c) + "\n" + log_tail(log));
  const int n = ctx.quick() ? 30 : 200;
  std::vector<double> cli_ms, raw_ms;
  for (int i = 0; i < n; ++i) {
    const auto t = Clock::now();
    if (int c = run_to_end({ghost, "query", "status", "--node", node0.url()}, scratch.path / "q.out", scratch.path / "q.err", 30); c != 0)
      throw std::runtime_error("ghost query status exited " + std::to_string(c) + "\n" + log_tail(scratch.path / "q.err"));
    cli_ms.push_back(1e3 * seconds_since(t));
    const auto r = Clock::now();
    if (node0.get("/status").status != 200) throw std::runtime_error("GET /status failed");
    raw_ms.push_back(1e3 * seconds_since(r));
  }
  const double cli = percentile(cli_ms, 0.5), raw = percentile(raw_ms, 0.5);
  ctx.report({"testnet.cli_roundtrip_ms", cli, "ms", "",
              std::to_string(n) + " runs of `ghost query status` against node 0: median " + fixed(cli, 2) + " ms, p90 " +
                  fixed(percentile(cli_ms, 0.9), 2) + " ms, max " + fixed(percentile(cli_ms, 1.0), 2) +
                  " ms; the same GET in-process (a plain loopback request) median " + fixed(raw, 3) + " ms; goal <= 20"});
  if (int c = run_to_end({ghost, "testnet", "stop", "--dir", dir}, log, log, 60); c != 0)
    throw std::runtime_error("ghost testnet stop exited " + std::to_string(c) + "\n" + log_tail(log));
}

// An exception leaving main need not unwind the stack; caught here, it first runs the guards
// that kill the nodes and remove the scratch folder.
void newcomer_suite(Context& ctx) {
  try {
    newcomer(ctx);
  } catch (...) {
    throw;
  }
}

}  // namespace
GHOST_BENCH_SUITE("testnet", "the local testnet: testnet/run --demo to its first block, the client's round trip", newcomer_suite);
}  // namespace ghost::bench
