#include "node/chain/chain.h"

#include <algorithm>
#include <atomic>

#include "base/file.h"
#include "base/parallel.h"
#include "consensus/bft/commit.h"
#include "consensus/bft/proposer.h"
#include "consensus/ledger/genesis.h"
#include "crypto/merkle.h"
#include "proto/decode.h"

namespace ghost::chain {
namespace {

std::string str(const Hash32& h) { return std::string(h.bytes.begin(), h.bytes.end()); }
bool same(const std::string& field, const Hash32& h) { return bft::same_bytes(h.bytes, field); }
std::string num(uint64_t v) { return std::to_string(v); }

Result<bft::ValidatorSet> set_of(const pb::ValidatorSet& p) {
  std::vector<bft::Validator> vs;
  for (const auto& v : p.validators()) {
    auto key = PublicKey::from_bytes(as_bytes(v.consensus_pubkey()));
    if (!key) return std::unexpected(key.error());
    vs.push_back({*key, v.power(), 0});
  }
  return bft::ValidatorSet::make(std::move(vs));
}

std::vector<Bytes> txs_of(const pb::Block& block) {
  std::vector<Bytes> txs;
  txs.reserve(size_t(block.txs_size()));
  for (const auto& tx : block.txs()) txs.emplace_back(tx.begin(), tx.end());
  return txs;
}

}  // namespace

Hash32 header_hash(const pb::BlockHeader& header) { return sha256(pb::encode(header)); }

Hash32 tx_root(const pb::Block& block) {
  std::vector<Hash32> ids;
  ids.reserve(size_t(block.txs_size()));
  for (const auto& tx : block.txs()) ids.push_back(ledger::tx_id(as_bytes(tx)));
  return merkle::Tree::build(ids.size(), [&](uint64_t i) { return ByteSpan(ids[i].bytes); }).root();
}

Result<void> check_block(const pb::Block& block, const BlockContext& ctx, const ledger::TxChecker& checker,
                         uint64_t now_ms, unsigned threads) {
  const auto& hd = block.header();
  if (hd.chain_id() != ctx.chain_id) return fail(Errc::kMismatch, "block is for chain " + hd.chain_id());
  if (hd.height() != ctx.height) return fail(Errc::kMismatch, "block height " + num(hd.height()) + ", expected " + num(ctx.height));
  if (ctx.height == 1 ? !hd.prev_hash().empty() : !same(hd.prev_hash(), ctx.prev_hash))
    return fail(Errc::kMismatch, "block does not extend the committed chain (prev_hash)");
  if (!same(hd.app_hash(), ctx.app_hash)) return fail(Errc::kMismatch, "block's app_hash is not the committed state's");
  if (!same(hd.validators_hash(), ctx.set.hash())) return fail(Errc::kMismatch, "block's validators_hash is not this height's set");
  if (!ctx.set.index_of(as_bytes(hd.proposer()))) return fail("block's proposer is not a validator");
  if (hd.time_ms() < ctx.min_time_ms) return fail("block time goes back (" + num(hd.time_ms()) + " < " + num(ctx.min_time_ms) + ")");
  if (hd.time_ms() > now_ms + ctx.max_clock_drift_ms)
    return fail(Errc::kMismatch, "block time is " + num(hd.time_ms() - now_ms) + " ms ahead of this node's clock");
  if (ctx.height == 1) {
    if (block.has_last_commit() || !hd.last_commit_hash().empty()) return fail("the first block carries no last commit");
  } else {
    const pb::Commit& lc = block.last_commit();
    if (lc.height() != ctx.height - 1 || !same(lc.block_hash(), ctx.prev_hash)) return fail("last commit is not for the parent");
    if (!same(hd.last_commit_hash(), sha256(pb::encode(lc)))) return fail("last_commit_hash does not match the last commit");
    if (auto c = bft::verify_commit(lc, ctx.prev_set, ctx.chain_id, checker.cache().get()); !c)
      return fail(c.error(), "last commit: ");
  }
  uint64_t bytes = 0;
  for (const auto& tx : block.txs()) bytes += tx.size();
  if (bytes > ctx.max_block_bytes) return fail(Errc::kTooLarge, "block carries " + num(bytes) + " bytes of txs, over max_block_bytes");
  if (!same(hd.tx_root(), tx_root(block))) return fail("tx_root does not match the txs");
  // Every tx's stateless checks; the signature checks also fill the cache that execution reads.
  std::atomic<int64_t> bad{-1};
  std::string why;
  parallel_chunks(uint64_t(block.txs_size()), block.txs_size() < 64 ? 1 : threads, [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t i = b; i < e && bad.load() < 0; ++i)
      if (auto r = checker.check(as_bytes(block.txs(int(i)))); !r) {
        int64_t expected = -1;
        if (bad.compare_exchange_strong(expected, int64_t(i))) why = r.error().reason;
      }
  });
  if (bad.load() >= 0) return fail("tx " + num(uint64_t(bad.load())) + " fails the stateless checks: " + why);
  return {};
}

Result<std::unique_ptr<Chain>> Chain::open(const std::filesystem::path& blocks_dir, const std::filesystem::path& state_dir,
                                           const pb::Genesis& genesis, std::shared_ptr<SigCache> cache,
                                           mempool::Mempool& mempool, std::optional<PublicKey> proposer,
                                           ChainOptions options) {
  // The genesis hash beside the stores is checked before either is opened (opening a
  // LevelDB writes to it): a home of another chain is refused without being touched.
  const auto stamp = blocks_dir.parent_path() / "genesis_hash";
  const std::string want = ledger::genesis_hash(genesis).hex() + "\n";
  if (auto have = read_file(stamp, 1024)) {
    if (std::string(have->begin(), have->end()) != want)
      return fail(Errc::kMismatch, "the data in " + blocks_dir.parent_path().string() +
                                       " was made from another genesis: put back the genesis.json it was made with, "
                                       "or remove that folder to start over");
  } else if (have.error().code != Errc::kNotFound) {
    return std::unexpected(have.error());
  }
  for (const auto& dir : {blocks_dir, state_dir}) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  }
  if (!std::filesystem::exists(stamp))
    if (auto w = write_file_atomic(stamp, as_bytes(want)); !w) return std::unexpected(w.error());
  std::unique_ptr<Chain> c(new Chain());
  c->genesis_ = genesis;
  c->options_ = std::move(options);
  c->mempool_ = &mempool;
  c->proposer_ = proposer;
  auto store = BlockStore::open(blocks_dir);
  if (!store) return std::unexpected(store.error());
  c->store_ = std::move(*store);
  auto ledger = ledger::Ledger::open(state_dir.string(), genesis, std::move(cache));
  if (!ledger) return std::unexpected(ledger.error());
  c->ledger_ = std::move(*ledger);
  if (!c->store_->schedule(1)) {
    if (c->store_->height() != 0) return fail(Errc::kCorrupt, "block store has blocks but no first schedule");
    auto first = set_of(c->ledger_->validator_set());
    if (!first) return fail(first.error(), "genesis validator set: ");
    if (auto w = c->store_->put_genesis_schedule(bft::start_schedule(*first)); !w) return std::unexpected(w.error());
  }
  if (auto r = c->catch_up_ledger(); !r) return std::unexpected(r.error());
  return c;
}

Result<void> Chain::catch_up_ledger() {
  if (ledger_->height() > store_->height())
    return fail(Errc::kCorrupt, "the ledger state is at height " + num(ledger_->height()) + " but the block store only at " +
                                    num(store_->height()) + ": the block store was lost or replaced (restore it, or reset the data folder)");
  while (ledger_->height() < store_->height()) {
    const uint64_t h = ledger_->height() + 1;
    auto block = store_->block(h);
    auto results = store_->results(h);
    if (!block || !results) return fail(Errc::kCorrupt, "block store lacks block " + num(h));
    auto executed = ledger_->execute({h, parent_hash(h)}, txs_of(*block));
    if (!executed) return fail(executed.error(), "replaying block " + num(h) + ": ");
    if (!same(results->app_hash(), executed->result.app_hash))
      return fail(Errc::kCorrupt, "replaying block " + num(h) + " gives another app hash than stored: the data folder is inconsistent");
    if (auto w = ledger_->commit(*executed); !w) return std::unexpected(w.error());
  }
  return {};
}

Hash32 Chain::parent_hash(uint64_t height) const {
  return height > 1 ? header_hash(*store_->header(height - 1)) : Hash32{};
}

const bft::ValidatorSet& Chain::validators(uint64_t height) {
  auto it = schedules_.find(height);
  if (it == schedules_.end()) {
    auto s = store_->schedule(height);
    if (!s) throw std::logic_error("no proposer schedule for height " + num(height));
    it = schedules_.emplace(height, std::move(*s)).first;
  }
  while (schedules_.size() > 4) schedules_.erase(schedules_.begin());  // heights only grow
  return it->second;
}

mempool::StateView Chain::state_view() const {
  return [l = ledger_.get()](const Address& a) {
    pb::Account acc = l->account(a);
    return mempool::AccountState{acc.nonce(), acc.balance()};
  };
}

BlockContext Chain::context() const {
  BlockContext ctx;
  ctx.chain_id = genesis_.chain_id();
  ctx.height = height() + 1;
  ctx.app_hash = ledger_->app_hash();
  ctx.max_block_bytes = ledger_->params().max_block_bytes();
  ctx.max_clock_drift_ms = options_.max_clock_drift_ms;
  ctx.set = *store_->schedule(ctx.height);
  if (ctx.height == 1) {
    ctx.min_time_ms = genesis_.genesis_time_ms();
  } else {
    auto parent = store_->header(ctx.height - 1);
    ctx.prev_hash = header_hash(*parent);
    ctx.min_time_ms = parent->time_ms() + 1;
    ctx.prev_set = *store_->schedule(ctx.height - 1);
  }
  return ctx;
}

pb::Block Chain::propose_block(uint64_t height, uint32_t) {
  const BlockContext ctx = context();
  pb::Block b;
  auto* hd = b.mutable_header();
  hd->set_chain_id(ctx.chain_id);
  hd->set_height(height);
  hd->set_time_ms(std::max(options_.now_ms(), ctx.min_time_ms));
  if (height > 1) {
    hd->set_prev_hash(str(ctx.prev_hash));
    *b.mutable_last_commit() = *store_->commit(height - 1);
    hd->set_last_commit_hash(str(sha256(pb::encode(b.last_commit()))));
  }
  hd->set_app_hash(str(ctx.app_hash));
  if (proposer_) hd->set_proposer(proposer_->bytes.data(), 32);
  hd->set_validators_hash(str(ctx.set.hash()));
  const mempool::JobRoom room = [l = ledger_.get()](const Hash32& model) { return l->job_room(model); };
  for (auto& tx : mempool_->reap(std::min(ctx.max_block_bytes, options_.max_proposal_bytes), state_view(), room))
    b.add_txs(std::string(tx.begin(), tx.end()));
  hd->set_tx_root(str(tx_root(b)));
  return b;
}

bft::ValidatorSet Chain::next_schedule(const bft::ValidatorSet& current, const std::optional<pb::ValidatorSet>& changed) const {
  bft::ValidatorSet next = current;
  if (changed) {
    auto set = set_of(*changed);
    // The ledger never reports an empty or invalid set; keeping the old one is the safe reading.
    if (set) next = bft::carry_priorities(current, std::move(*set));
  }
  bft::increment_proposer_priority(next, 1);
  return next;
}

Result<Applied> Chain::apply(const pb::Block& block, const pb::Commit& commit) {
  const uint64_t h = height() + 1;
  if (block.header().height() != h) return fail("decided block " + num(block.header().height()) + " is not height " + num(h));
  // A decided block carries the state its quorum executed to; a synced block skipped the
  // proposal checks, so this is where a node whose execution went its own way finds out.
  if (!same(block.header().app_hash(), ledger_->app_hash()))
    return fail(Errc::kCorrupt, "block " + num(h) + " was decided on app hash " + to_hex(as_bytes(block.header().app_hash())) +
                                    ", this node's state is " + ledger_->app_hash().hex() + ": its execution diverged");
  Applied out;
  out.block = block;
  out.hash = header_hash(block.header());
  const std::vector<Bytes> txs = txs_of(block);
  // The stateless checks (signatures, decoding, ids) on every core first; execution takes them.
  std::vector<ledger::TxResult<ledger::CheckedTx>> checked(txs.size());
  parallel_chunks(txs.size(), txs.size() < 64 ? 1 : options_.check_threads, [&](unsigned, uint64_t b, uint64_t e) {
    for (uint64_t i = b; i < e; ++i) checked[i] = ledger_->checker().check(txs[i]);
  });
  auto executed = ledger_->execute({h, parent_hash(h)}, txs, checked);
  if (!executed) return std::unexpected(executed.error());
  for (auto& r : executed->result.receipts) *out.results.add_receipts() = r;
  out.results.set_app_hash(str(executed->result.app_hash));
  for (size_t i = 0; i < txs.size(); ++i) out.tx_ids.push_back(checked[i] ? checked[i]->id : ledger::tx_id(txs[i]));
  StoredBlock stored{block, commit, out.results, next_schedule(validators(h), executed->result.validator_set), out.tx_ids};
  if (auto w = store_->append(stored); !w) return std::unexpected(w.error());
  if (auto w = ledger_->commit(*executed); !w) return std::unexpected(w.error());
  out.dropped_from_mempool = mempool_->update(out.tx_ids, state_view());
  out.checked = std::move(checked);
  return out;
}

AppliedTx applied_tx(const Applied& a, size_t i, pb::TxBody& scratch) {
  if (i < a.checked.size() && a.checked[i]) return {&a.checked[i]->body, a.checked[i]->sender_address};
  AppliedTx out;
  auto env = pb::decode_as<pb::TxEnvelope>(as_bytes(a.block.txs(int(i))));
  if (!env) return out;
  if (auto k = PublicKey::from_bytes(as_bytes(env->sender()))) out.sender = Address::of(*k);
  if (auto body = pb::decode_as<pb::TxBody>(as_bytes(env->body()))) {
    scratch = std::move(*body);
    out.body = &scratch;
  }
  return out;
}

std::optional<std::pair<pb::Block, pb::Commit>> Chain::block_with_commit(uint64_t h) const {
  auto block = store_->block(h);
  if (!block) return std::nullopt;
  if (auto next = store_->block(h + 1)) return std::pair{std::move(*block), next->last_commit()};
  auto seen = store_->commit(h);
  if (!seen) return std::nullopt;
  return std::pair{std::move(*block), std::move(*seen)};
}

}  // namespace ghost::chain
