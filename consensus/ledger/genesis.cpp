#include "consensus/ledger/genesis.h"

#include <google/protobuf/util/json_util.h>

#include <set>

#include "consensus/ledger/models.h"
#include "consensus/ledger/params.h"
#include "crypto/keys.h"
#include "proto/decode.h"

namespace ghost::ledger {
namespace {

Result<pb::Genesis> finish(pb::Genesis g) {
  if (!g.has_params()) *g.mutable_params() = default_params();
  if (auto r = validate_genesis(g); !r) return std::unexpected(r.error());
  return g;
}

bool valid_chain_id(const std::string& id) {
  if (id.empty() || id.size() > 50) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

Result<uint64_t> add(uint64_t a, uint64_t b) {
  uint64_t s;
  if (__builtin_add_overflow(a, b, &s)) return fail("genesis supply overflows u64");
  return s;
}

}  // namespace

Result<pb::Genesis> parse_genesis_json(std::string_view json) {
  if (json.size() > kMaxGenesisBytes) return fail("genesis JSON is over the size limit");
  pb::Genesis g;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(json), &g, options);
  if (!status.ok()) return fail("genesis JSON: " + std::string(status.message()));
  return finish(std::move(g));
}

Result<pb::Genesis> parse_genesis_binary(ByteSpan bytes) {
  auto g = pb::decode_as<pb::Genesis>(bytes, kMaxGenesisBytes);
  if (!g) return std::unexpected(g.error());
  return finish(std::move(*g));
}

std::string genesis_to_json(const pb::Genesis& g) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(g, &out, options);
  return out;
}

Result<uint64_t> genesis_supply(const pb::Genesis& g) {
  uint64_t total = 0;
  for (const auto& a : g.accounts()) {
    auto t = add(total, a.balance());
    if (!t) return t;
    total = *t;
  }
  for (const auto& v : g.validators()) {
    auto t = add(total, v.stake());
    if (!t) return t;
    total = *t;
  }
  for (const auto& w : g.workers()) {
    auto t = add(total, w.stake());
    if (!t) return t;
    total = *t;
  }
  return total;
}

Result<void> validate_genesis(const pb::Genesis& g) {
  if (!valid_chain_id(g.chain_id()))
    return fail("chain_id must be 1-50 characters of a-z, 0-9, '-', '_', '.'");
  if (!g.has_params()) return fail("params missing");
  if (auto r = validate_params(g.params()); !r) return r;
  const pb::Params& p = g.params();

  std::set<std::string> addresses;
  for (int i = 0; i < g.accounts_size(); ++i) {
    const auto& a = g.accounts(i);
    std::string where = "accounts[" + std::to_string(i) + "]";
    if (a.address().size() != 20) return fail(where + ": address must be 20 bytes");
    if (!addresses.insert(a.address()).second) return fail(where + ": address listed twice");
  }

  std::set<std::string> model_ids;
  for (int i = 0; i < g.models_size(); ++i) {
    auto id = check_ghost_file(g.models(i));
    if (!id) return fail(id.error(), "models[" + std::to_string(i) + "]: ");
    if (!model_ids.insert(std::string(id->bytes.begin(), id->bytes.end())).second)
      return fail("models[" + std::to_string(i) + "]: model listed twice");
  }

  if (g.validators_size() == 0) return fail("at least one validator is needed");
  std::set<std::string> operators, consensus_keys;
  for (int i = 0; i < g.validators_size(); ++i) {
    const auto& v = g.validators(i);
    std::string where = "validators[" + std::to_string(i) + "]";
    if (auto k = PublicKey::from_bytes(as_bytes(v.operator_pubkey())); !k)
      return fail(k.error(), where + ".operator_pubkey: ");
    if (auto k = PublicKey::from_bytes(as_bytes(v.consensus_pubkey())); !k)
      return fail(k.error(), where + ".consensus_pubkey: ");
    if (!operators.insert(v.operator_pubkey()).second) return fail(where + ": operator listed twice");
    if (!consensus_keys.insert(v.consensus_pubkey()).second) return fail(where + ": consensus key listed twice");
    if (v.stake() < p.min_stake_validator()) return fail(where + ": stake below min_stake_validator");
  }

  std::set<std::string> workers;
  for (int i = 0; i < g.workers_size(); ++i) {
    const auto& w = g.workers(i);
    std::string where = "workers[" + std::to_string(i) + "]";
    if (auto k = PublicKey::from_bytes(as_bytes(w.operator_pubkey())); !k)
      return fail(k.error(), where + ".operator_pubkey: ");
    if (!workers.insert(w.operator_pubkey()).second) return fail(where + ": operator listed twice");
    if (w.stake() < p.min_stake_worker()) return fail(where + ": stake below min_stake_worker");
    std::set<std::string> served;
    for (const auto& m : w.models()) {
      if (!model_ids.contains(m)) return fail(where + ": serves a model that is not in genesis");
      if (!served.insert(m).second) return fail(where + ": model listed twice");
    }
  }

  if (auto s = genesis_supply(g); !s) return std::unexpected(s.error());
  return {};
}

Hash32 genesis_hash(const pb::Genesis& g) { return sha256(pb::encode(g)); }

}  // namespace ghost::ledger
