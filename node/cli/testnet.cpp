// `ghost testnet init`: a local network in one folder — a shared genesis, one home per node
// with its own loopback ports and every other node as a persistent peer, and funded client
// keys in a keyring.
#include <google/protobuf/util/json_util.h>

#include <boost/json.hpp>
#include <iostream>

#include "base/file.h"
#include "consensus/ledger/genesis.h"
#include "consensus/ledger/params.h"
#include "crypto/keystore.h"
#include "ml/ghost_file.h"
#include "ml/serve/model.h"
#include "node/cli/cli.h"
#include "node/cli/model.h"
#include "node/cli/testnet.h"
#include "node/cli/worker.h"
#include "node/daemon/home.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr uint64_t kGC = ledger::kMicroPerCredit;
const char* kClientNames[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};

struct Args {
  uint32_t validators = 4, workers = 0, clients = 4;
  std::string out, chain_id = "ghost-local", model;
  uint64_t price = 2 * kGC;  // per job: above a result tx's fee (a fashion-mnist proof is ~40 KB)
  uint64_t worker_stake = 0;  // 0: min_stake_worker and 100 prices
  uint32_t worker_capacity = ledger::kDefaultWorkerCapacity;
  uint16_t base_port = 26600;
  std::vector<std::string> params;  // NAME=VALUE over the default params
  bool test_modes = false, json = false;
};

}  // namespace

fs::path testnet_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("GHOST_TESTNET"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".ghost" / "testnet";
}

Testnet load_testnet(const std::string& dir_flag) {
  Testnet t;
  t.dir = testnet_dir(dir_flag);
  const fs::path file = t.dir / "testnet.json";
  auto text = read_file(file, 1u << 20);
  if (!text) fail_with(kExitUsage, "no testnet in " + t.dir.string() + " (create one with `ghost testnet init`, or give --dir)");
  boost::system::error_code ec;
  json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(text->data()), text->size()), ec);
  try {
    if (ec) throw std::runtime_error(ec.message());
    t.chain_id = v.at("chain_id").as_string();
    for (const auto& n : v.at("nodes").as_array())
      t.nodes.push_back(TestnetNode{std::string(n.at("name").as_string()), std::string(n.at("home").as_string()),
                                    std::string(n.at("rpc").as_string()), n.at("role").as_string() == "validator",
                                    n.at("role").as_string() == "worker"});
  } catch (const std::exception& e) {
    fail_with(kExitUsage, file.string() + " is not a testnet manifest (" + e.what() + ")");
  }
  return t;
}

std::vector<const TestnetNode*> Testnet::select(const std::vector<std::string>& names) const {
  std::vector<const TestnetNode*> out;
  if (names.empty())
    for (const auto& n : nodes) out.push_back(&n);
  for (const auto& name : names) {
    auto it = std::ranges::find_if(nodes, [&](const TestnetNode& n) { return n.name == name || "node" + name == n.name; });
    if (it == nodes.end()) fail_with(kExitUsage, "no node " + name + " in the testnet at " + dir.string());
    out.push_back(&*it);
  }
  return out;
}

namespace {

// Sets one genesis parameter from "name=value" (protobuf's JSON mapping does the typing).
void set_param(pb::Params& params, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw CLI::ValidationError("--param", "\"" + assignment + "\" is not NAME=VALUE");
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(params, &text, [] {
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    o.always_print_primitive_fields = true;
    return o;
  }());
  json::object o = json::parse(text).as_object();
  const std::string name = assignment.substr(0, eq);
  if (!o.contains(name)) throw CLI::ValidationError("--param", "no parameter named " + name);
  o[name] = assignment.substr(eq + 1);
  pb::Params next;
  if (!google::protobuf::util::JsonStringToMessage(json::serialize(o), &next).ok())
    throw CLI::ValidationError("--param", "bad value for " + name + ": " + assignment.substr(eq + 1));
  params = next;
}

// Registers the model folder's ghost file in genesis with `owner` (who may train it); its id.
Hash32 add_model(pb::Genesis& g, const std::string& dir, const Address& owner) {
  pb::GhostFile file = checked_ghost_file(dir);
  file.set_owner(owner.bytes.data(), owner.bytes.size());
  *g.add_models() = file;
  return ml::model_id(file);
}

void init(Args a) {
  a.out = testnet_dir(a.out).string();
  if (a.validators == 0 || a.validators > 64) throw CLI::ValidationError("--validators", "must be 1 to 64");
  if (a.workers > 16) throw CLI::ValidationError("--workers", "at most 16");
  if (a.workers > 0 && a.model.empty())
    throw CLI::ValidationError("--model", "workers need a model folder (ghost model build fashion-mnist --out DIR)");
  if (a.clients > std::size(kClientNames)) throw CLI::ValidationError("--clients", "at most 8");
  if (a.clients == 0 && !a.model.empty()) throw CLI::ValidationError("--clients", "the model's owner is the first client");
  if (uint32_t(a.base_port) + 2 * (a.validators + a.workers) > 65535)
    throw CLI::ValidationError("--base-port", "ports would pass 65535");
  std::error_code ec;
  if (fs::exists(fs::path(a.out) / "genesis.json", ec))
    throw std::runtime_error(a.out + " already holds a testnet (remove it, or give another --out)");

  std::vector<PrivateKey> node_keys, validator_keys, worker_keys, clients;
  pb::Genesis g;
  g.set_chain_id(a.chain_id);
  g.set_genesis_time_ms(0);
  *g.mutable_params() = ledger::default_params();
  for (const auto& p : a.params) set_param(*g.mutable_params(), p);
  g.set_test_modes(a.test_modes);
  for (uint32_t i = 0; i < a.validators; ++i) {
    node_keys.push_back(PrivateKey::generate());
    validator_keys.push_back(PrivateKey::generate());
    const PublicKey vk = validator_keys.back().public_key();
    auto* v = g.add_validators();
    v->set_operator_pubkey(vk.bytes.data(), 32);
    v->set_consensus_pubkey(vk.bytes.data(), 32);
    v->set_stake(g.params().min_stake_validator());
    auto* acc = g.add_accounts();  // pays for the validator's own evidence txs
    Address addr = Address::of(vk);
    acc->set_address(addr.bytes.data(), addr.bytes.size());
    acc->set_balance(1'000 * kGC);
  }
  for (uint32_t j = 0; j < a.clients; ++j) {
    clients.push_back(PrivateKey::generate());
    auto* acc = g.add_accounts();
    Address addr = Address::of(clients.back().public_key());
    acc->set_address(addr.bytes.data(), addr.bytes.size());
    acc->set_balance(1'000'000 * kGC);
  }
  std::optional<Hash32> model_id;
  if (!a.model.empty()) model_id = add_model(g, a.model, Address::of(clients.front().public_key()));
  for (uint32_t j = 0; j < a.workers; ++j) {
    node_keys.push_back(PrivateKey::generate());
    worker_keys.push_back(PrivateKey::generate());
    const PublicKey wk = worker_keys.back().public_key();
    auto* w = g.add_workers();
    w->set_operator_pubkey(wk.bytes.data(), 32);
    // Covers faults' penalties; a bench that proves many faults stakes more.
    w->set_stake(a.worker_stake ? a.worker_stake : std::max<uint64_t>(g.params().min_stake_worker(), 100 * a.price));
    w->set_price(a.price);
    w->set_capacity(a.worker_capacity);
    w->add_models(model_id->data(), 32);
    auto* acc = g.add_accounts();  // pays the fees of its result txs
    Address addr = Address::of(wk);
    acc->set_address(addr.bytes.data(), addr.bytes.size());
    acc->set_balance(1'000 * kGC);
  }
  if (auto v = ledger::validate_genesis(g); !v) throw std::runtime_error("genesis: " + v.error().message);

  auto p2p_port = [&](uint32_t i) { return uint32_t(a.base_port) + 2 * i; };
  json::object manifest{{"chain_id", a.chain_id}, {"genesis", (fs::path(a.out) / "genesis.json").string()}};
  json::array nodes;
  for (uint32_t i = 0; i < a.validators + a.workers; ++i) {
    const bool worker = i >= a.validators;
    daemon::InitOptions o;
    o.chain_id = a.chain_id;
    o.moniker = worker ? "worker" + std::to_string(i - a.validators) : "node" + std::to_string(i);
    o.genesis_doc = g;
    o.node_key = node_keys[i];
    if (!worker) o.validator_key = validator_keys[i];
    o.worker = worker;
    if (worker) o.worker_key = worker_keys[i - a.validators];
    o.insecure_unencrypted_keys = true;
    o.config.p2p.listen = "127.0.0.1:" + std::to_string(p2p_port(i));
    o.config.rpc.listen = "127.0.0.1:" + std::to_string(p2p_port(i) + 1);
    for (uint32_t j = 0; j < a.validators; ++j)  // a worker follows the validators
      if (j != i)
        o.config.p2p.persistent_peers.push_back(node_keys[j].public_key().hex() + "@127.0.0.1:" + std::to_string(p2p_port(j)));
    const fs::path home = fs::path(a.out) / o.moniker;
    if (worker) {
      // Its own writable copy (it applies training), hard-linked: no second copy of the weights.
      need(ml::Model::clone(a.model, home / "model"), "cannot give " + o.moniker + " a copy of " + a.model);
      o.config.worker.model_dirs = {(home / "model").string()};
      // Room for every job the chain may assign it at once.
      o.config.worker.queue = std::max(o.config.worker.queue, a.worker_capacity);
    } else if (!a.model.empty()) {
      // Validators spot-check answers with the original folder, read-only (nobody writes it).
      o.config.spot_check.model_dirs = {fs::absolute(a.model).string()};
    }
    if (auto r = daemon::init_home(daemon::Home{home}, o); !r) throw std::runtime_error(home.string() + ": " + r.error().message);
    json::object n{{"name", o.moniker},
                   {"home", home.string()},
                   {"role", worker ? "worker" : "validator"},
                   {"p2p", o.config.p2p.listen},
                   {"rpc", "http://" + o.config.rpc.listen},
                   {"node_key", node_keys[i].public_key().hex()}};
    if (worker) {
      n["worker_key"] = worker_keys[i - a.validators].public_key().hex();
      n["worker_address"] = Address::of(worker_keys[i - a.validators].public_key()).str();
    } else {
      n["validator_key"] = validator_keys[i].public_key().hex();
      n["validator_address"] = Address::of(validator_keys[i].public_key()).str();
    }
    nodes.push_back(std::move(n));
  }
  json::array keyring;
  const fs::path ring = fs::path(a.out) / "keyring";
  fs::create_directories(ring, ec);
  for (uint32_t j = 0; j < a.clients; ++j) {
    const fs::path file = ring / (std::string(kClientNames[j]) + ".json");
    if (auto r = save_keystore(file, clients[j], UnencryptedTestnetKey{}); !r) throw std::runtime_error(r.error().message);
    keyring.push_back(json::object{{"name", kClientNames[j]}, {"file", file.string()},
                                   {"address", Address::of(clients[j].public_key()).str()}});
  }
  manifest["nodes"] = std::move(nodes);
  if (model_id) manifest["model"] = json::object{{"id", model_id->hex()}, {"dir", fs::absolute(a.model).string()}};
  manifest["keyring"] = std::move(keyring);
  const std::string text = ledger::genesis_to_json(g);
  if (auto w = write_file_atomic(fs::path(a.out) / "genesis.json", as_bytes(text)); !w) throw std::runtime_error(w.error().message);
  if (auto w = write_file_atomic(fs::path(a.out) / "testnet.json", as_bytes(json::serialize(manifest) + "\n")); !w)
    throw std::runtime_error(w.error().message);
  if (a.json) {
    std::cout << json::serialize(manifest) << "\n";
    return;
  }
  std::cout << "testnet " << a.chain_id << " in " << a.out << " (keys UNENCRYPTED: test networks only)\n";
  for (const auto& n : manifest["nodes"].as_array())
    std::cout << "  " << n.at("name").as_string().c_str() << "  p2p " << n.at("p2p").as_string().c_str() << "  rpc "
              << n.at("rpc").as_string().c_str() << "\n";
  for (const auto& k : manifest["keyring"].as_array())
    std::cout << "  client " << k.at("name").as_string().c_str() << "  " << k.at("address").as_string().c_str() << "\n";
  if (model_id)
    std::cout << "  model " << model_id->hex() << " (" << a.model << ", owner " << kClientNames[0] << ", in genesis)\n";
  std::cout << "start it: ghost testnet start --dir " << a.out << "\n";
}

void add_testnet(CLI::App& app) {
  CLI::App* testnet = app.add_subcommand("testnet", "Create and drive a local test network");
  testnet->require_subcommand(1);
  auto a = std::make_shared<Args>();
  CLI::App* cmd = testnet->add_subcommand("init", "Write a local testnet: genesis, one home per node, funded client keys");
  cmd->add_option("--out", a->out, "Folder to create (default: $GHOST_TESTNET, else ~/.ghost/testnet)");
  cmd->add_option("--validators", a->validators, "Validators (each a ghostd home)")->capture_default_str();
  cmd->add_option("--workers", a->workers, "Compute workers (each a ghostd home started with --worker, staked in genesis)")
      ->capture_default_str();
  cmd->add_option("--model", a->model,
                  "Model folder registered in genesis (owner: the first client) and served by every worker")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--price", a->price, "Each worker's price per job, micro-credits")->capture_default_str();
  cmd->add_option("--worker-stake", a->worker_stake,
                  "Each worker's bonded stake, micro-credits (default: min_stake_worker or 100 prices, the larger)");
  add_capacity_option(*cmd, a->worker_capacity);
  cmd->add_option("--clients", a->clients, "Funded client keys in OUT/keyring (1,000,000 GC each)")->capture_default_str();
  cmd->add_option("--chain-id", a->chain_id, "Chain id")->capture_default_str();
  cmd->add_option("--base-port", a->base_port, "First loopback port; node i uses base+2i (p2p) and base+2i+1 (rpc)")
      ->capture_default_str();
  cmd->add_option("--param", a->params, "Genesis parameter NAME=VALUE over the defaults (repeatable), e.g. timeout_commit_ms=100");
  cmd->add_flag("--test-modes", a->test_modes, "Let nodes run the test-only misbehaviour modes (fault drills)");
  cmd->add_flag("--json", a->json, "Print the testnet manifest as JSON");
  cmd->callback([a] { init(*a); });
  add_testnet_drills(*testnet);
}

}  // namespace

GHOST_CLI_GROUP(add_testnet);

}  // namespace ghost::cli
