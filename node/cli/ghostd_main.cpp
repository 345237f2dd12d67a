// ghostd: the Ghostchain node. `ghostd init` writes a home folder, `ghostd start` runs it,
// `ghostd fetch-model` runs it until a model's weights are fetched from peers.
#include <malloc.h>

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "crypto/keystore.h"
#include "node/daemon/home.h"
#include "node/daemon/node.h"

namespace {

using namespace ghost;
using namespace ghost::daemon;

constexpr const char* kExitCodes =
    "Exit codes: 0 stopped cleanly (SIGINT/SIGTERM), 1 bad command line or configuration, "
    "2 the node could not start (the message says why and what to do), 3 stopped on a fatal error.\n"
    "Signals: SIGINT or SIGTERM stop cleanly; SIGUSR1 cuts the node off its peers and SIGUSR2 lets it rejoin "
    "(the partition drill of `ghost testnet isolate|rejoin`). The running node's pid is in HOME/ghostd.lock.";

// Every config field as --section.name; values given are applied over config.toml.
void add_config_flags(CLI::App& cmd, std::map<std::string, std::string>& given) {
  NodeConfig defaults;
  for (const auto& f : fields_of(defaults)) {
    if (f.name == "chain_id" || f.name == "moniker") continue;  // init has its own flags for these
    std::string* slot = &given[f.name];
    cmd.add_option_function<std::string>("--" + f.name, [slot](const std::string& v) { *slot = v; }, f.help)
        ->group("Settings (override config.toml)");
  }
}

Result<void> apply_flags(NodeConfig& config, const std::map<std::string, std::string>& given, const CLI::App& cmd) {
  for (const auto& [name, value] : given)
    if (cmd.count("--" + name) > 0)
      if (auto r = set_field(config, name, value); !r) return r;
  return validate_config(config);
}

int fail_with(const Error& e, int code) {
  std::cerr << "ghostd: " << e.message << "\n";
  return code;
}

// A node allocates and frees large buffers all the time (a 4 MiB weight range several times
// over). glibc maps each one in fresh pages and unmaps it when freed, so every buffer is
// page-faulted anew, which on a virtual machine costs more than the bytes' copy: it was most
// of a range server's time (docs/decisions.md, weight fetch). Buffers up to 32 MiB come from
// the heap and are reused; free heap above 256 MiB still goes back to the system.
void reuse_large_buffers() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  reuse_large_buffers();
  CLI::App app{"ghostd: the Ghostchain node: a full node; with --validator it also signs blocks"};
  app.footer(kExitCodes);
  app.require_subcommand(1);

  std::string home_dir;
  std::map<std::string, std::string> given;

  auto* init = app.add_subcommand("init", "Write a new home folder: config.toml, genesis.json, node and validator keys");
  std::string chain_id, moniker = "ghost-node", genesis_file, passphrase_file;
  bool unencrypted = false, as_json = false, init_worker = false;
  init->add_option("--home", home_dir, "Home folder to create")->required();
  init->add_option("--chain-id", chain_id, "Chain id (1-50 of a-z 0-9 - _ .)")->required();
  init->add_option("--moniker", moniker, "A name for this node");
  init->add_option("--genesis", genesis_file, "Use this genesis.json (default: a one-validator chain of this node)");
  auto* pass = init->add_option("--passphrase-file", passphrase_file,
                                "File whose first line encrypts the keys (start then reads it from keys.passphrase_file)");
  auto* insecure = init->add_flag("--insecure-unencrypted-keys", unencrypted,
                                  "Store the keys unencrypted (test networks only)");
  pass->excludes(insecure);
  init->add_flag("--worker", init_worker, "Also write a worker key (keys/worker_key.json) for `start --worker`");
  init->add_flag("--json", as_json, "Print what was created as JSON");
  add_config_flags(*init, given);

  auto* start = app.add_subcommand("start", "Run the node until SIGINT or SIGTERM");
  bool validator = false, worker = false;
  start->add_option("--home", home_dir, "Home folder written by `ghostd init`")->required();
  start->add_flag("--validator", validator, "Sign votes and proposals with the home's validator key");
  start->add_flag("--worker", worker,
                  "Answer the jobs assigned to the home's worker key with the models in worker.model_dirs");
  add_config_flags(*start, given);

  auto* fetch_model = app.add_subcommand(
      "fetch-model",
      "Run the node until it has fetched a registered model's current weights from its peers into a new folder "
      "(every leaf checked against the chain's roots; resumes after a kill), then stop. Exit 0: the folder is "
      "built (list it in worker.model_dirs to serve it); 3: the fetch failed (the log says why)");
  std::string fetch_id, fetch_out;
  bool fetch_json = false;
  fetch_model->add_option("--home", home_dir, "Home folder written by `ghostd init`")->required();
  fetch_model->add_option("--model", fetch_id, "Model id (64 hex digits, as `ghost query models` shows)")->required();
  fetch_model->add_option("--out", fetch_out, "The new model folder (or the one a killed fetch left)")->required();
  fetch_model->add_flag("--json", fetch_json, "Print the outcome as one JSON line");
  add_config_flags(*fetch_model, given);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ghostd: " << e.what() << " (see ghostd --help)\n";
    return 1;
  }

  Home home{home_dir};
  if (*init) {
    InitOptions o;
    o.chain_id = chain_id;
    o.moniker = moniker;
    if (!genesis_file.empty()) o.genesis = genesis_file;
    o.insecure_unencrypted_keys = unencrypted;
    o.worker = init_worker;
    if (!passphrase_file.empty()) {
      auto p = read_passphrase_file(passphrase_file);
      if (!p) return fail_with(p.error(), 1);
      o.passphrase = *p;
      o.config.keys.passphrase_file = std::filesystem::absolute(passphrase_file).string();
    }
    o.config.chain_id = chain_id;
    if (auto r = apply_flags(o.config, given, *init); !r) return fail_with(r.error(), 1);
    auto made = init_home(home, o);
    if (!made) return fail_with(made.error(), made.error().code == Errc::kInvalid ? 1 : 2);
    if (unencrypted) std::cerr << "WARNING: the keys in " << home_dir << "/keys are UNENCRYPTED: use this node on test networks only\n";
    if (as_json) {
      std::cout << "{\"home\":\"" << home_dir << "\",\"node_key\":\"" << made->node_key.hex() << "\",\"validator_key\":\""
                << made->validator_key.hex() << "\",\"validator_address\":\"" << made->validator_address.str() << "\"";
      if (made->worker_key)
        std::cout << ",\"worker_key\":\"" << made->worker_key->hex() << "\",\"worker_address\":\""
                  << Address::of(*made->worker_key).str() << "\"";
      std::cout << "}\n";
    } else {
      std::cout << "initialised " << home_dir << "\n  node key       " << made->node_key.hex() << "\n  validator key  "
                << made->validator_key.hex() << "\n  validator addr " << made->validator_address.str() << "\n";
      if (made->worker_key)
        std::cout << "  worker key     " << made->worker_key->hex() << "\n  worker addr    "
                  << Address::of(*made->worker_key).str() << "\n";
    }
    return 0;
  }

  auto config = load_config(home.config());
  if (!config) {
    if (config.error().code == Errc::kNotFound)
      std::cerr << "ghostd: " << home.config().string() << " not found: run `ghostd init --home " << home_dir
                << " --chain-id ID` first\n";
    else
      std::cerr << "ghostd: " << config.error().message << " (fix the file, or move it away and run `ghostd init`)\n";
    return 1;
  }
  StartOptions options{validator, worker, std::nullopt};
  if (*fetch_model) {
    auto id = Hash32::from_hex(fetch_id);
    if (!id) return fail_with(Error{Errc::kInvalid, "--model: " + id.error().message + " (give the 64 hex digits of the model id)"}, 1);
    options.fetch = fetch::FetchTarget{*id, std::filesystem::absolute(fetch_out)};
  }
  if (auto r = apply_flags(*config, given, *fetch_model ? *fetch_model : *start); !r) return fail_with(r.error(), 1);
  auto node = Node::open(home, std::move(*config), options);
  if (!node) return fail_with(node.error(), 2);
  const int code = (*node)->run() == 0 ? 0 : 3;
  if (*fetch_model && fetch_json)
    std::cout << "{\"model\":\"" << fetch_id << "\",\"out\":\"" << options.fetch->out.string() << "\",\"fetched\":"
              << (code == 0 ? "true" : "false") << "}\n";
  return code;
}
