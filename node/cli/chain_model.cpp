#include "node/cli/chain_model.h"

#include "node/cli/cli.h"
#include "node/cli/node_client.h"

namespace ghost::cli {

namespace json = boost::json;

Hash32 parse_model_id(const std::string& text, const std::string& flag) {
  auto b = from_hex(text);
  if (!b || b->size() != 32) fail_with(kExitUsage, flag + " " + text + " is not a model id (64 hex digits)");
  return Hash32::from_span(*b);
}

namespace {

struct NodeView {
  pb::ModelInfo info;
  std::vector<Hash32> roots;
};

NodeView read_model(const std::string& url, const Hash32& id, std::optional<uint64_t> version) {
  NodeClient node(url);
  std::string target = "/models/" + id.hex();
  if (version) target += "?version=" + std::to_string(*version);
  auto r = node.get(target);
  // An unknown model is a usage error; a version no longer kept leaves a proof uncheckable.
  if (r.status == 404 && version && api_error(r).find("keeps no version") != std::string::npos)
    fail_with(kExitUnverified, "cannot check a proof against version " + std::to_string(*version) + ": the node at " +
                                   url + " answered " + api_error(r));
  if (r.status == 404)
    fail_with(kExitUsage, "the node at " + url + " answered " + api_error(r) +
                              " (register a model with `ghost model register DIR --from KEY`)");
  if (r.status != 200) fail_with(kExitUnreachable, api_error(r));
  NodeView v;
  from_api_json(r.body, v.info, "a model");
  if (ml::model_id(v.info.ghost_file()) != id)
    fail_with(kExitUnverified, "the node at " + url + " sent a ghost file that does not hash to model " + id.hex() +
                                   ": do not trust it");
  for (const auto& root : r.body.at("roots").as_array()) {
    auto b = from_hex(std::string(root.as_string()));
    if (!b || b->size() != 32) fail_with(kExitUnreachable, "the node at " + url + " sent a root that is not 32 bytes");
    v.roots.push_back(Hash32::from_span(*b));
  }
  return v;
}

}  // namespace

ChainModel chain_model(const std::vector<std::string>& nodes, const Hash32& id, std::optional<uint64_t> version) {
  if (nodes.empty()) fail_with(kExitUsage, "no node to read model " + id.hex() + " from (give --node URL)");
  NodeView first = read_model(nodes[0], id, version);
  const uint64_t v = version.value_or(first.info.version());
  for (size_t i = 1; i < nodes.size(); ++i) {
    NodeView other = read_model(nodes[i], id, v);
    if (other.roots != first.roots)
      fail_with(kExitUnverified, "the nodes disagree on the roots of model " + id.hex() + " version " + std::to_string(v) +
                                     ": " + nodes[0] + " and " + nodes[i] + " serve different roots (one of them is on "
                                     "another chain or lying; do not trust this answer)");
  }
  ChainModel out;
  out.info = std::move(first.info);
  out.nodes = nodes;
  out.version = need(ml::model_version(out.info.ghost_file()), "the chain's ghost file of " + id.hex(), kExitUnverified);
  if (first.roots.size() != out.version.roots.size())
    fail_with(kExitUnverified, "the node at " + nodes[0] + " sent " + std::to_string(first.roots.size()) +
                                   " roots for a model with " + std::to_string(out.version.roots.size()) + " tensors");
  out.version.version = v;
  out.version.roots = std::move(first.roots);
  return out;
}

}  // namespace ghost::cli
