#include "node/cli/worker.h"

#include <iostream>

#include "consensus/ledger/params.h"
#include "node/cli/cli.h"
#include "node/cli/keyring.h"
#include "node/cli/node_client.h"
#include "node/cli/print.h"
#include "node/cli/submit.h"
#include "proto/state.pb.h"

namespace ghost::cli {

namespace json = boost::json;

void set_worker_profile(pb::Stake& stake, const std::vector<std::string>& models, const std::string& price,
                        const std::string& endpoint, uint32_t capacity) {
  if (!endpoint.empty()) {
    const auto colon = endpoint.rfind(':');
    const std::string port = colon == std::string::npos ? "" : endpoint.substr(colon + 1);
    if (colon == 0 || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535)
      fail_with(kExitUsage, "--endpoint " + endpoint + " is not HOST:PORT");
  }
  stake.set_endpoint(endpoint);
  stake.set_price(parse_credits(price, "--price"));
  stake.set_capacity(capacity);
  for (const auto& m : models) {
    auto id = from_hex(m);
    if (!id || id->size() != 32) fail_with(kExitUsage, "--model " + m + " is not a model id (64 hex digits)");
    stake.add_models(std::string(id->begin(), id->end()));
  }
}

void add_capacity_option(CLI::App& cmd, uint32_t& capacity) {
  cmd.add_option("--capacity", capacity,
                 "Jobs open at once: beyond it the chain assigns none to this worker until it answers some "
                 "(keep it at most the node's worker.queue)")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
}

namespace {

void add_register(CLI::App& worker) {
  struct Args {
    std::vector<std::string> models;
    std::string stake, price, endpoint;
    uint32_t capacity = ledger::kDefaultWorkerCapacity;
    TxArgs tx;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = worker.add_subcommand(
      "register", "Stake as a worker serving models at a price (the same as `ghost tx stake --role worker`)");
  cmd->add_option("--model,--models", a->models, "Model ids served (ID,ID,... or repeated)")->delimiter(',')->required();
  cmd->add_option("--stake", a->stake, "Credits to bond (at least the chain's min_stake_worker in all)")->required();
  cmd->add_option("--price", a->price, "Credits per job (a job's max fee must reach it)")->required();
  cmd->add_option("--endpoint", a->endpoint, "HOST:PORT where clients reach the worker");
  add_capacity_option(*cmd, a->capacity);
  add_tx_options(*cmd, a->tx);
  cmd->footer(kExitCodesHelp);
  cmd->callback([a] {
    pb::TxBody body;
    auto* st = body.mutable_stake();
    st->set_role(pb::WORKER);
    st->set_amount(parse_credits(a->stake, "--stake"));
    if (st->amount() == 0) fail_with(kExitUsage, "--stake must be above zero");
    set_worker_profile(*st, a->models, a->price, a->endpoint, a->capacity);
    report(a->tx, submit(a->tx, body));
  });
}

std::string credits(const json::value& micro) { return format_credits(json_u64(micro)) + " credits"; }

void print_status(const json::value& v) {
  pb::StakeInfo s;
  from_api_json(v, s, "a worker stake");
  std::string models;
  for (const auto& m : v.at("models_hex").as_array()) models += (models.empty() ? "" : ",") + text(m);
  table({{"address", text(v.at("address"))},
         {"bonded", format_credits(s.bonded()) + " credits"},
         {"price", format_credits(s.price()) + " credits per job"},
         {"endpoint", s.endpoint().empty() ? "-" : s.endpoint()},
         {"models", models.empty() ? "-" : models},
         {"served", std::to_string(s.served()) + " jobs settled"},
         {"open", text(v.at("open_jobs")) + " assigned (of a capacity of " + text(v.at("capacity")) + "), " +
                      text(v.at("answered_jobs")) + " answered awaiting settlement"},
         {"pending pay", credits(v.at("pending_pay"))},
         {"misses", std::to_string(s.misses())},
         {"faults", std::to_string(s.faults()) + " proven (" + std::to_string(s.window_faults()) + " in the current window)"},
         {"penalties", format_credits(s.slashed()) + " credits slashed"},
         {"jail", s.jailed() ? "jailed, may unjail at height " + std::to_string(s.unjail_height()) : "not jailed"}});
}

void add_status(CLI::App& worker) {
  struct Args {
    std::string who, node, keyring;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = worker.add_subcommand(
      "status", "A worker's stake, jobs served and open, pending pay, misses, penalties and jail (every worker without ADDR)");
  cmd->add_option("ADDR", a->who, "An address (gc1...) or a key name in the keyring");
  cmd->add_option("--node", a->node, "Node API URL (default $GHOST_NODE, else http://127.0.0.1:26601)");
  cmd->add_option("--keyring", a->keyring, "Keyring folder for a key name (default $GHOST_KEYRING, else ~/.ghost/keyring)");
  cmd->add_flag("--json", a->json, "Print the API's JSON answer");
  cmd->footer(kExitCodesHelp);
  cmd->callback([a] {
    NodeClient node(node_url(a->node));
    std::vector<std::string> addresses;
    if (!a->who.empty()) {
      addresses.push_back(address_or_key(a->who, a->keyring).str());
    } else {
      const json::value workers = node.fetch("/workers");
      for (const auto& w : workers.at("workers").as_array()) {
        pb::StakeInfo s;
        from_api_json(w, s, "a worker stake");
        addresses.push_back(need(Address::from_bytes(as_bytes(s.operator_())), "worker operator", kExitUnreachable).str());
      }
    }
    json::array all;
    for (const auto& addr : addresses) {
      auto r = node.get("/workers/" + addr);
      if (r.status == 404) fail_with(kExitUsage, addr + " is not a worker (register with `ghost worker register`)");
      if (r.status != 200) fail_with(r.status == 400 ? kExitUsage : kExitUnreachable, api_error(r));
      all.push_back(std::move(r.body));
    }
    if (a->json) {
      std::cout << json::serialize(a->who.empty() ? json::value(json::object{{"workers", all}}) : all.at(0)) << "\n";
      return;
    }
    if (all.empty()) std::cout << "no workers\n";
    for (size_t i = 0; i < all.size(); ++i) {
      if (i) std::cout << "\n";
      print_status(all[i]);
    }
  });
}

void worker_group(CLI::App& app) {
  CLI::App* worker = app.add_subcommand("worker", "Stake as a compute worker and see what a worker has done");
  worker->require_subcommand(1);
  worker->footer(kExitCodesHelp);
  add_register(*worker);
  add_status(*worker);
}

}  // namespace

GHOST_CLI_GROUP(worker_group);

}  // namespace ghost::cli
