// `ghost query ...`: read the chain through a node's API; --json prints the API's answer,
// otherwise aligned tables for people.
#include <boost/json.hpp>
#include <iostream>

#include "node/cli/cli.h"
#include "node/cli/keyring.h"
#include "node/cli/node_client.h"
#include "node/cli/print.h"

namespace ghost::cli {
namespace {

namespace json = boost::json;

struct QueryArgs {
  std::string node;
  bool json = false;
};

using Printer = std::function<void(const json::value&)>;

void add_query(CLI::App& q, const std::string& name, const std::string& help, std::optional<std::string> arg_help,
               std::function<std::string(const std::string&)> target, Printer print) {
  auto a = std::make_shared<QueryArgs>();
  auto arg = std::make_shared<std::string>();
  CLI::App* cmd = q.add_subcommand(name, help);
  if (arg_help) cmd->add_option("ARG", *arg, *arg_help)->required();
  cmd->add_option("--node", a->node, "Node API URL (default $GHOST_NODE, else http://127.0.0.1:26601)");
  cmd->add_flag("--json", a->json, "Print the API's JSON answer");
  cmd->callback([a, arg, target, print] {
    NodeClient node(node_url(a->node));
    auto r = node.get(target(*arg));
    if (r.status == 404 || r.status == 400) fail_with(kExitUsage, api_error(r));
    if (r.status != 200) fail_with(kExitUnreachable, api_error(r));
    if (a->json) std::cout << json::serialize(r.body) << "\n";
    else print(r.body);
  });
}

void query_group(CLI::App& app) {
  CLI::App* q = app.add_subcommand("query", "Read the chain through a node");
  q->require_subcommand(1);
  q->footer(kExitCodesHelp);
  auto fixed = [](std::string path) { return [path](const std::string&) { return path; }; };
  auto under = [](std::string prefix) { return [prefix](const std::string& arg) { return prefix + arg; }; };
  add_query(*q, "status", "The node's chain, height and peers", std::nullopt, fixed("/status"), [](const json::value& v) {
    pairs(v.as_object(), {"chain_id", "moniker", "height", "latest_block_hash", "latest_block_time_ms", "app_hash", "peers",
                          "best_peer_height", "catching_up", "mempool_txs", "validator_address"});
  });
  add_query(*q, "account", "Balance and nonce of an address", "an address (gc1...), or a key name in the keyring ($GHOST_KEYRING)",
            [](const std::string& arg) { return "/accounts/" + address_or_key(arg, "").str(); }, [](const json::value& v) {
    const auto& o = v.as_object();
    table({{"address", text(o.at("address"))},
           {"balance", format_credits(json_u64(o.at("balance"))) + " credits"},
           {"nonce", text(o.at("nonce"))}});
  });
  add_query(*q, "supply", "Credits in existence: genesis, minted, burned, and the validators' reward pool", std::nullopt,
            fixed("/supply"), [](const json::value& v) {
              const auto& o = v.as_object();
              std::vector<std::vector<std::string>> rows;
              for (const char* k : {"genesis", "minted", "burned", "reward_pool"})
                rows.push_back({k, format_credits(json_u64(o.at(k))) + " credits"});
              rows.push_back({"height", text(o.at("height"))});
              table(rows);
            });
  add_query(*q, "block", "A block by height (or \"latest\")", "height", under("/blocks/"), [](const json::value& v) {
    const auto& o = v.as_object();
    pairs(o, {"height", "hash", "time_ms", "app_hash"});
    std::vector<std::vector<std::string>> rows{{"#", "tx", "status"}};
    size_t i = 0;
    for (const auto& t : o.at("txs").as_array()) {
      const auto& to = t.as_object();
      rows.push_back({std::to_string(i++), text(to.at("id")),
                      to.contains("receipt") ? text(to.at("receipt").at("status")) : "?"});
    }
    if (rows.size() > 1) table(rows);
  });
  add_query(*q, "tx", "A tx by id, with its receipt", "tx id (64 hex digits)", under("/txs/"), [](const json::value& v) {
    const auto& o = v.as_object();
    pairs(o, {"tx_id", "status", "height", "index"});
    if (o.contains("receipt")) pairs(o.at("receipt").as_object(), {"status", "reason", "fee_paid"});
  });
  add_query(*q, "validators", "The validator set and every validator stake", std::nullopt, fixed("/validators"),
            [](const json::value& v) {
              std::vector<std::vector<std::string>> rows{{"key", "power", "priority"}};
              for (const auto& x : v.at("validators").as_array())
                rows.push_back({text(x.at("key")), text(x.at("power")), text(x.at("priority"))});
              table(rows);
            });
  add_query(*q, "workers", "Worker stakes", std::nullopt, fixed("/workers"), [](const json::value& v) {
    std::vector<std::vector<std::string>> rows{{"operator", "bonded", "price", "jailed", "served", "misses"}};
    for (const auto& x : v.at("workers").as_array())
      rows.push_back({text(x.at("operator")), text(x.at("bonded")), text(x.at("price")), text(x.at("jailed")),
                      text(x.at("served")), text(x.at("misses"))});
    table(rows);
  });
  add_query(*q, "models", "Registered models", std::nullopt, fixed("/models"), [](const json::value& v) {
    std::vector<std::vector<std::string>> rows{{"id", "version"}};
    for (const auto& x : v.at("models").as_array()) rows.push_back({text(x.at("id")), text(x.at("version"))});
    table(rows);
  });
  add_query(*q, "model", "One model with its current roots", "model id", under("/models/"), [](const json::value& v) {
    pairs(v.as_object(), {"id", "version", "registered_height", "roots"});
  });
  add_query(*q, "job", "One job and its outcome", "job id", under("/jobs/"), [](const json::value& v) {
    pairs(v.as_object(), {"id", "kind", "status", "model", "version", "client_address", "worker_address", "price",
                          "deadline", "answered_height", "closed_height"});
  });
}

}  // namespace

GHOST_CLI_GROUP(query_group);

}  // namespace ghost::cli
