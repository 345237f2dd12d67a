// A running ghostd: the wiring of the subsystems around two threads. The network thread runs
// the peer-to-peer and RPC sockets; the core thread owns the chain (ledger, block store,
// mempool) and the consensus driver; a work pool runs signature checks and block checks.
// Everything crosses threads by posting, so no subsystem takes another's locks.
#pragma once

#include <memory>

#include "node/daemon/config.h"
#include "node/daemon/home.h"
#include "node/fetch/fetch_service.h"

namespace ghost::daemon {

struct StartOptions {
  bool validator = false;  // sign votes and proposals with the home's validator key
  bool worker = false;     // answer jobs with the home's worker key (config.worker)
  // `ghostd fetch-model`: fetch this model's weights from peers, then stop (exit code 0 when
  // the folder is built, 3 when the fetch failed).
  std::optional<fetch::FetchTarget> fetch;
};

class Node {
 public:
  // Opens everything (lock, genesis, keys, stores, sockets) or fails with a one-line reason
  // that says what to do; nothing is left running on failure.
  static Result<std::unique_ptr<Node>> open(const Home& home, NodeConfig config, StartOptions options);
  ~Node();

  // Runs until SIGINT/SIGTERM or a fatal error; returns the process exit code.
  int run();

 private:
  Node();
  struct Parts;
  std::unique_ptr<Parts> p_;
};

}  // namespace ghost::daemon
