#include "node/daemon/config.h"

#include <charconv>
#include <limits>
#include <sstream>
#include <toml++/toml.h>

#include "consensus/bft/wal.h"
#include "node/log/log.h"

namespace ghost::daemon {

std::vector<Field> fields_of(NodeConfig& c) {
  return {
      {"moniker", "A name for this node in logs and status", &c.moniker},
      {"chain_id", "The chain this home belongs to (must match genesis.json)", &c.chain_id},
      {"log.level", "Lowest level logged: debug, info, warn, error", &c.log.level},
      {"log.format", "text (one readable line per entry) or json (one object per line)", &c.log.format},
      {"log.file", "Append log lines to this file instead of stderr", &c.log.file},
      {"p2p.listen", "host:port for peer connections (port 0 = any free port; empty = no inbound)", &c.p2p.listen},
      {"p2p.external_address", "host:port peers should dial to reach this node (empty = the listen address)",
       &c.p2p.external_address},
      {"p2p.persistent_peers", "Peers to keep connected: host:port or NODEKEYHEX@host:port, comma-separated",
       &c.p2p.persistent_peers},
      {"p2p.max_inbound", "Most inbound peer connections", &c.p2p.max_inbound},
      {"p2p.max_outbound", "Most outbound peer connections", &c.p2p.max_outbound},
      {"p2p.max_frame_bytes", "Largest message a peer may send; larger ones are an offence", &c.p2p.max_frame_bytes},
      {"p2p.send_queue_bytes", "Consensus traffic queued per peer before the peer is dropped as too slow",
       &c.p2p.send_queue_bytes},
      {"p2p.gossip_queue_bytes", "Tx gossip queued per peer; beyond it txs to that peer are dropped",
       &c.p2p.gossip_queue_bytes},
      {"p2p.handshake_timeout_ms", "A peer must finish the handshake within this time", &c.p2p.handshake_timeout_ms},
      {"p2p.reconnect_min_ms", "First retry delay for a persistent peer (doubles per failure)", &c.p2p.reconnect_min_ms},
      {"p2p.reconnect_max_ms", "Longest retry delay for a persistent peer", &c.p2p.reconnect_max_ms},
      {"p2p.ping_interval_ms", "Keep-alive interval; a peer silent for three is dropped", &c.p2p.ping_interval_ms},
      {"p2p.ban_seconds", "How long a misbehaving peer is refused", &c.p2p.ban_seconds},
      {"p2p.ban_score", "Misbehaviour score at which a peer is banned", &c.p2p.ban_score},
      {"p2p.max_messages_per_second", "Messages per second a peer may send before it counts as a flood",
       &c.p2p.max_messages_per_second},
      {"p2p.seen_capacity", "Message ids remembered to drop duplicates", &c.p2p.seen_capacity},
      {"rpc.listen", "host:port of the HTTP API (loopback by default; port 0 = any free port)", &c.rpc.listen},
      {"rpc.max_connections", "Most open API connections (HTTP and WebSocket)", &c.rpc.max_connections},
      {"rpc.max_header_bytes", "Largest request header", &c.rpc.max_header_bytes},
      {"rpc.max_body_bytes", "Largest request body", &c.rpc.max_body_bytes},
      {"rpc.requests_per_second", "Sustained requests per second per client address", &c.rpc.requests_per_second},
      {"rpc.burst", "Requests a client may send at once above the sustained rate", &c.rpc.burst},
      {"rpc.request_timeout_ms", "A request not fully received by then is dropped", &c.rpc.request_timeout_ms},
      {"rpc.subscriber_queue_bytes", "Events queued per /subscribe client before it is dropped",
       &c.rpc.subscriber_queue_bytes},
      {"mempool.max_txs", "Most pending txs", &c.mempool.max_txs},
      {"mempool.max_bytes", "Most bytes of pending txs", &c.mempool.max_bytes},
      {"mempool.max_per_sender", "Most pending txs of one sender", &c.mempool.max_per_sender},
      {"mempool.max_checking", "Most txs waiting for their signature checks; more are refused (HTTP 503) or dropped (gossip)",
       &c.mempool.max_checking},
      {"consensus.resend_ms", "Own votes and proposal are sent again this often", &c.consensus.resend_ms},
      {"consensus.status_ms", "This node's height is told to peers this often", &c.consensus.status_ms},
      {"consensus.max_clock_drift_ms", "A proposed block's time may be this far ahead of the local clock",
       &c.consensus.max_clock_drift_ms},
      {"consensus.max_proposal_bytes",
       "Bytes of txs this node puts in a block it proposes (bounds the time to check and execute it)",
       &c.consensus.max_proposal_bytes},
      {"consensus.sync_batch", "Blocks asked for per block-sync request", &c.consensus.sync_batch},
      {"consensus.sync_timeout_ms", "A block-sync request unanswered by then is asked of another peer",
       &c.consensus.sync_timeout_ms},
      {"consensus.test_equivocate",
       "TEST ONLY: sign a conflicting twin of every vote (refused unless the genesis allows test modes)",
       &c.consensus.test_equivocate},
      {"keys.node_key", "Node key keystore (proves this node to peers), relative to the home folder",
       &c.keys.node_key},
      {"keys.validator_key", "Validator (consensus) key keystore, relative to the home folder",
       &c.keys.validator_key},
      {"keys.worker_key", "Worker keystore (signs result txs with --worker), relative to the home folder",
       &c.keys.worker_key},
      {"keys.passphrase_file", "File whose first line is the keystores' passphrase (else $GHOSTD_PASSPHRASE)",
       &c.keys.passphrase_file},
      {"keys.allow_unencrypted", "Load unencrypted keystores (testnets only; logged loudly)",
       &c.keys.allow_unencrypted},
      {"worker.model_dirs", "Model folders the worker serves (relative to the home folder or absolute), comma-separated",
       &c.worker.model_dirs},
      {"worker.queue", "Jobs waiting for a worker thread; beyond it a job is dropped and counted", &c.worker.queue},
      {"worker.threads", "Threads running the worker's forward passes and training steps", &c.worker.threads},
      {"worker.cheat",
       "TEST ONLY: answer inference jobs wrongly: wrong_output, foreign_column, degraded_topk, stale_version or silence; "
       "or training jobs: degraded_step (refused unless the genesis allows test modes)",
       &c.worker.cheat},
      {"spot_check.enabled", "With --validator: check sampled answers against the canonical search and challenge faults",
       &c.spot_check.enabled},
      {"spot_check.model_dirs",
       "Model folders the spot-checker checks with, opened read-only (relative to the home folder or absolute), comma-separated",
       &c.spot_check.model_dirs},
      {"spot_check.threads", "Threads recomputing the exact top-k of sampled answers", &c.spot_check.threads},
      {"spot_check.queue", "Sampled answers waiting for a spot-check thread; beyond it one is skipped and counted",
       &c.spot_check.queue},
      {"fetch.per_peer", "Weight ranges asked of one peer at a time by `ghostd fetch-model`", &c.fetch.per_peer},
      {"fetch.timeout_ms", "A weight range unanswered this long is asked of another peer", &c.fetch.timeout_ms},
      {"fetch.serve_mb_per_s", "Upload cap (MB/s) for the weight ranges served to all peers; 0 = none",
       &c.fetch.serve_mb_per_s},
      {"fetch.test_tamper",
       "TEST ONLY: alter one leaf of every weight range served (refused unless the genesis allows test modes)",
       &c.fetch.test_tamper},
  };
}

namespace {

template <class I>
Result<void> parse_int(const std::string& name, std::string_view text, I& out) {
  I v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty())
    return fail(name + ": \"" + std::string(text) + "\" is not a whole number in range");
  out = v;
  return {};
}

template <class I>
Result<void> from_toml_int(const std::string& name, const toml::node& n, I& out) {
  auto v = n.value<int64_t>();
  if (!n.is_integer() || !v) return fail(name + " must be a whole number");
  if (*v < int64_t(std::numeric_limits<I>::min()) ||
      (uint64_t(*v) > uint64_t(std::numeric_limits<I>::max()) && *v >= 0))
    return fail(name + " = " + std::to_string(*v) + " is out of range");
  out = I(*v);
  return {};
}

Result<void> from_toml(const Field& f, const toml::node& n) {
  return std::visit(
      [&](auto* t) -> Result<void> {
        using T = std::remove_pointer_t<decltype(t)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!n.is_string()) return fail(f.name + " must be a string");
          *t = *n.value<std::string>();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          const auto* arr = n.as_array();
          if (!arr) return fail(f.name + " must be an array of strings");
          std::vector<std::string> v;
          for (const auto& e : *arr) {
            if (!e.is_string()) return fail(f.name + " must be an array of strings");
            v.push_back(*e.value<std::string>());
          }
          *t = std::move(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!n.is_boolean()) return fail(f.name + " must be true or false");
          *t = *n.value<bool>();
        } else if constexpr (std::is_same_v<T, double>) {
          if (!n.is_number()) return fail(f.name + " must be a number");
          *t = *n.value<double>();
        } else {
          if (n.is_integer() && *n.value<int64_t>() < 0 && std::is_unsigned_v<T>)
            return fail(f.name + " must not be negative");
          return from_toml_int(f.name, n, *t);
        }
        return {};
      },
      f.target);
}

}  // namespace

Result<void> set_field(NodeConfig& config, const std::string& name, const std::string& text) {
  for (auto& f : fields_of(config)) {
    if (f.name != name) continue;
    return std::visit(
        [&](auto* t) -> Result<void> {
          using T = std::remove_pointer_t<decltype(t)>;
          if constexpr (std::is_same_v<T, std::string>) {
            *t = text;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            t->clear();
            std::stringstream ss(text);
            for (std::string item; std::getline(ss, item, ',');)
              if (!item.empty()) t->push_back(item);
          } else if constexpr (std::is_same_v<T, bool>) {
            if (text == "true" || text == "1") *t = true;
            else if (text == "false" || text == "0") *t = false;
            else return fail(name + ": \"" + text + "\" is not true or false");
          } else if constexpr (std::is_same_v<T, double>) {
            char* end = nullptr;
            double v = std::strtod(text.c_str(), &end);
            if (text.empty() || *end) return fail(name + ": \"" + text + "\" is not a number");
            *t = v;
          } else {
            return parse_int(name, text, *t);
          }
          return {};
        },
        f.target);
  }
  return fail("unknown setting " + name);
}

Result<NodeConfig> load_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail(Errc::kNotFound, path.string() + " does not exist");
  toml::table doc;
  try {
    doc = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return fail(path.string() + ": not valid TOML (" + std::string(e.description()) + " at " + where.str() + ")");
  }
  NodeConfig config;
  auto fields = fields_of(config);
  std::map<std::string, const Field*> by_name;
  for (const auto& f : fields) by_name[f.name] = &f;
  std::string err;
  auto visit = [&](const std::string& name, const toml::node& n) {
    auto it = by_name.find(name);
    if (it == by_name.end()) return err = "unknown setting " + name, false;
    if (auto r = from_toml(*it->second, n); !r) return err = r.error().message, false;
    return true;
  };
  for (const auto& [k, v] : doc) {
    std::string key(k.str());
    if (const auto* section = v.as_table()) {
      for (const auto& [k2, v2] : *section)
        if (!visit(key + "." + std::string(k2.str()), v2)) return fail(path.string() + ": " + err);
    } else if (!visit(key, v)) {
      return fail(path.string() + ": " + err);
    }
  }
  if (auto v = validate_config(config); !v) return fail(v.error(), path.string() + ": ");
  return config;
}

std::string config_toml(const NodeConfig& config_in) {
  NodeConfig config = config_in;
  std::string out = "# ghostd configuration. Every setting is also a flag: --section.name VALUE.\n";
  std::string section;
  for (const auto& f : fields_of(config)) {
    auto dot = f.name.find('.');
    std::string sec = dot == std::string::npos ? "" : f.name.substr(0, dot);
    std::string key = dot == std::string::npos ? f.name : f.name.substr(dot + 1);
    if (sec != section) {
      out += "\n[" + sec + "]\n";
      section = sec;
    }
    toml::table one;
    std::visit(
        [&](auto* t) {
          using T = std::remove_pointer_t<decltype(t)>;
          if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            toml::array a;
            for (const auto& s : *t) a.push_back(s);
            one.insert(key, std::move(a));
          } else if constexpr (std::is_same_v<T, uint64_t> || std::is_same_v<T, uint32_t> ||
                               std::is_same_v<T, int32_t>) {
            one.insert(key, int64_t(*t));
          } else {
            one.insert(key, *t);
          }
        },
        f.target);
    std::ostringstream line;
    line << one;
    out += "# " + f.help + "\n" + line.str() + "\n";
  }
  return out;
}

Result<void> validate_config(const NodeConfig& c) {
  log::Level level;
  log::Format format;
  if (!log::parse_level(c.log.level, level)) return fail("log.level must be debug, info, warn or error");
  if (!log::parse_format(c.log.format, format)) return fail("log.format must be text or json");
  if (c.chain_id.empty()) return fail("chain_id is empty");
  if (c.p2p.max_frame_bytes < 1024) return fail("p2p.max_frame_bytes is below 1024");
  // Proposals and votes are logged before they are checked; a larger one would be a WAL record
  // the WAL refuses to read back.
  if (c.p2p.max_frame_bytes > bft::kMaxWalRecordBytes)
    return fail("p2p.max_frame_bytes is above " + std::to_string(bft::kMaxWalRecordBytes) + " (the WAL's record limit)");
  if (c.p2p.ban_score <= 0) return fail("p2p.ban_score must be positive");
  if (c.p2p.reconnect_min_ms == 0 || c.p2p.reconnect_max_ms < c.p2p.reconnect_min_ms)
    return fail("p2p.reconnect_min_ms must be positive and at most p2p.reconnect_max_ms");
  if (c.rpc.max_connections == 0) return fail("rpc.max_connections must be positive");
  if (c.fetch.per_peer == 0 || c.fetch.timeout_ms == 0) return fail("fetch.per_peer and fetch.timeout_ms must be positive");
  if (c.fetch.per_peer >= fetch::kServedPerPeer)
    return fail("fetch.per_peer must be below " + std::to_string(fetch::kServedPerPeer) + " (a peer answers " +
                std::to_string(fetch::kServedPerPeer) + " at once and counts more as a flood)");
  if (!(c.rpc.requests_per_second > 0) || !(c.rpc.burst >= 1)) return fail("rpc.requests_per_second and rpc.burst must be positive");
  if (c.mempool.max_txs == 0 || c.mempool.max_bytes == 0 || c.mempool.max_per_sender == 0 || c.mempool.max_checking == 0)
    return fail("mempool limits must be positive");
  if (c.consensus.max_proposal_bytes == 0) return fail("consensus.max_proposal_bytes must be positive");
  if (c.consensus.resend_ms == 0 || c.consensus.status_ms == 0 || c.consensus.sync_batch == 0)
    return fail("consensus.resend_ms, status_ms and sync_batch must be positive");
  if (auto w = worker::validate_worker_config(c.worker); !w) return w;
  if (auto s = spotcheck::validate_spot_check_config(c.spot_check); !s) return s;
  return {};
}

}  // namespace ghost::daemon
