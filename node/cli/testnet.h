// A local testnet folder as `ghost testnet init` writes it: OUT/genesis.json, OUT/keyring/,
// one ghostd home per node, and OUT/testnet.json, the manifest the other testnet commands read.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ghost::cli {

struct TestnetNode {
  std::string name;  // node0, node1, ...
  std::filesystem::path home;
  std::string rpc;  // http://127.0.0.1:PORT
  bool validator = true;
  bool worker = false;  // started with --worker: serves its copy of the testnet's model
};

struct Testnet {
  std::filesystem::path dir;
  std::string chain_id;
  std::vector<TestnetNode> nodes;
  // The nodes named (by name or index) in `names`, or all of them when it is empty; an
  // unknown name is a usage error.
  std::vector<const TestnetNode*> select(const std::vector<std::string>& names) const;
};

// --dir, else $GHOST_TESTNET, else ~/.ghost/testnet.
std::filesystem::path testnet_dir(const std::string& flag);
// Reads DIR/testnet.json; a usage error that says how to make one when it is missing.
Testnet load_testnet(const std::string& dir_flag);

// start, status, stop, kill, pause, resume, restart, isolate, rejoin (testnet_drill.cpp).
void add_testnet_drills(CLI::App& testnet);

}  // namespace ghost::cli
