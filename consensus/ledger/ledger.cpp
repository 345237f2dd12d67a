#include "consensus/ledger/ledger.h"

#include "consensus/ledger/exec.h"
#include "consensus/ledger/genesis.h"
#include "consensus/ledger/params.h"

namespace ghost::ledger {

Ledger::Ledger(std::unique_ptr<StateStore> store, const pb::Genesis& genesis, std::shared_ptr<SigCache> cache)
    : store_(std::move(store)),
      chain_id_(genesis.chain_id()),
      params_(genesis.params()),
      checker_(genesis.chain_id(), genesis.params(), std::move(cache)) {}

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& dir, const pb::Genesis& genesis,
                                             std::shared_ptr<SigCache> cache) {
  if (auto ok = validate_genesis(genesis); !ok) return fail(ok.error(), "genesis: ");
  auto store = StateStore::open(dir);
  if (!store) return std::unexpected(store.error());
  const Hash32 gh = genesis_hash(genesis);
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(*store), genesis, std::move(cache)));
  if (ledger->store_->initialized()) {
    auto stored = ledger->store_->get(keys::genesis_hash());
    if (!stored || *stored != std::string(gh.bytes.begin(), gh.bytes.end()))
      return fail(Errc::kMismatch, "the state store at " + dir + " was made from another genesis");
    return ledger;
  }
  BlockState st(*ledger->store_);
  Exec ex(st, ledger->params_, ledger->chain_id_, BlockInfo{0, Hash32{}});
  if (auto g = ex.genesis(genesis); !g) return fail("genesis: " + g.error().reason);
  st.put(keys::genesis_hash(), std::string(gh.bytes.begin(), gh.bytes.end()));
  if (auto c = ledger->store_->commit(0, st.writes()); !c) return std::unexpected(c.error());
  return ledger;
}

Result<ExecutedBlock> Ledger::execute(const BlockInfo& block, std::span<const Bytes> txs) const {
  std::vector<TxResult<CheckedTx>> checked;
  checked.reserve(txs.size());
  for (const auto& tx : txs) checked.push_back(checker_.check(tx));
  return execute(block, txs, checked);
}

Result<ExecutedBlock> Ledger::execute(const BlockInfo& block, std::span<const Bytes> txs,
                                      std::span<const TxResult<CheckedTx>> pre) const {
  if (pre.size() != txs.size()) return fail("executing a block: " + std::to_string(pre.size()) + " checks for " +
                                            std::to_string(txs.size()) + " txs");
  if (block.height != height() + 1)
    return fail("block " + std::to_string(block.height) + " does not follow height " + std::to_string(height()));
  size_t bytes = 0;
  for (const auto& tx : txs) bytes += tx.size();
  if (bytes > params_.max_block_bytes())
    return fail("block " + std::to_string(block.height) + " carries " + std::to_string(bytes) +
                " bytes of txs, over max_block_bytes");
  ExecutedBlock out;
  out.height = block.height;
  BlockState st(*store_);
  try {
    Exec ex(st, params_, chain_id_, block);
    for (size_t i = 0; i < txs.size(); ++i) {
      const TxResult<CheckedTx>& checked = pre[i];
      pb::Receipt r;
      if (!checked) {
        Hash32 id = tx_id(txs[i]);
        r.set_tx_id(id.data(), 32);
        r.set_status(checked.error().code);
        r.set_reason(checked.error().reason);
        r.set_height(block.height);
        r.set_index(static_cast<uint32_t>(i));
      } else {
        r = ex.apply(*checked, static_cast<uint32_t>(i));
        if (r.fee_paid() > 0 || r.status() == pb::OK) st.put(keys::receipt(checked->id), dump(r));
      }
      out.result.receipts.push_back(std::move(r));
    }
    auto set = ex.end_block();
    if (!set) return fail("executing block " + std::to_string(block.height) + ": " + set.error().reason);
    out.result.validator_set = std::move(*set);
    ex.flush();
  } catch (const std::exception& e) {
    return fail("executing block " + std::to_string(block.height) + ": " + e.what());
  }
  out.writes = st.writes();
  out.result.app_hash = chain_app_hash(app_hash(), block.height, write_set_hash(out.writes));
  return out;
}

Result<void> Ledger::commit(const ExecutedBlock& executed) {
  auto hash = store_->commit(executed.height, executed.writes);  // refuses any height but the next
  if (!hash) return std::unexpected(hash.error());
  return {};
}

Result<BlockResult> Ledger::apply_block(const BlockInfo& block, std::span<const Bytes> txs) {
  auto executed = execute(block, txs);
  if (!executed) return std::unexpected(executed.error());
  if (auto c = commit(*executed); !c) return std::unexpected(c.error());
  return std::move(executed->result);
}

template <class M>
std::vector<M> Ledger::scan_all(std::string prefix) const {
  std::vector<M> out;
  store_->scan(prefix, [&](std::string_view key, std::string_view value) {
    M m;
    if (!m.ParseFromArray(value.data(), static_cast<int>(value.size())))
      throw std::runtime_error("corrupt state record under key " + to_hex(as_bytes(key)));
    out.push_back(std::move(m));
  });
  return out;
}

pb::Account Ledger::account(const Address& a) const {
  return load<pb::Account>(*store_, keys::account(a)).value_or(pb::Account{});
}
std::optional<pb::StakeInfo> Ledger::stake(pb::StakeRole role, const Address& a) const {
  return load<pb::StakeInfo>(*store_, keys::stake(role, a));
}
std::vector<pb::StakeInfo> Ledger::stakes(pb::StakeRole role) const {
  return scan_all<pb::StakeInfo>(std::string{keys::kStake, static_cast<char>(role)});
}
std::vector<pb::StakeInfo> Ledger::model_workers(const Hash32& model_id) const {
  std::vector<pb::StakeInfo> out;
  const pb::KeyList workers = load<pb::KeyList>(*store_, keys::model_workers(model_id)).value_or(pb::KeyList{});
  for (const auto& op : workers.items())
    if (auto s = stake(pb::WORKER, *Address::from_bytes(as_bytes(op)))) out.push_back(std::move(*s));
  return out;
}

uint64_t Ledger::job_room(const Hash32& model_id) const {
  uint64_t room = 0;
  for (const auto& w : model_workers(model_id))
    if (!w.jailed() && w.bonded() >= params_.min_stake_worker() && w.open_jobs() < worker_capacity(w))
      room += worker_capacity(w) - w.open_jobs();
  return room;
}

pb::ValidatorSet Ledger::validator_set() const {
  return load<pb::ValidatorSet>(*store_, keys::validator_set()).value_or(pb::ValidatorSet{});
}
std::optional<pb::ModelInfo> Ledger::model(const Hash32& id) const { return load<pb::ModelInfo>(*store_, keys::model(id)); }
std::vector<pb::ModelInfo> Ledger::models() const { return scan_all<pb::ModelInfo>(std::string(1, keys::kModel)); }
std::optional<pb::ModelVersion> Ledger::model_version(const Hash32& id, uint64_t version) const {
  return load<pb::ModelVersion>(*store_, keys::model_version(id, version));
}
std::optional<pb::Job> Ledger::job(const Hash32& id) const { return load<pb::Job>(*store_, keys::job(id)); }
std::vector<pb::Job> Ledger::jobs() const { return scan_all<pb::Job>(std::string(1, keys::kJob)); }
std::optional<pb::Receipt> Ledger::receipt(const Hash32& tx_id) const {
  return load<pb::Receipt>(*store_, keys::receipt(tx_id));
}
pb::Supply Ledger::supply() const { return load<pb::Supply>(*store_, keys::supply()).value_or(pb::Supply{}); }

std::vector<std::pair<Address, pb::Account>> Ledger::accounts() const {
  std::vector<std::pair<Address, pb::Account>> out;
  store_->scan(std::string(1, keys::kAccount), [&](std::string_view key, std::string_view value) {
    pb::Account acc;
    if (!acc.ParseFromArray(value.data(), static_cast<int>(value.size())))
      throw std::runtime_error("corrupt account record");
    out.emplace_back(*Address::from_bytes(as_bytes(key.substr(1))), std::move(acc));
  });
  return out;
}

}  // namespace ghost::ledger
