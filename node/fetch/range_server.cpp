#include "node/fetch/range_server.h"

#include "node/worker/job_finder.h"

namespace ghost::fetch {

Result<std::pair<Hash32, uint64_t>> RangeServer::add(const std::filesystem::path& dir, const ledger::Ledger& ledger,
                                                     unsigned threads) {
  auto store = ml::WeightStore::open(dir / "weights", threads, ml::StoreAccess::read);
  if (!store) return fail(store.error(), "cannot open " + dir.string() + ": ");
  const std::vector<Hash32> roots = (*store)->roots();
  for (const auto& info : ledger.models()) {
    const Hash32 id = Hash32::from_span(as_bytes(info.model_id()));
    for (uint64_t v : {info.version(), info.final_version()}) {
      auto version = worker::chain_version(ledger, id, v);
      if (!version) continue;
      std::vector<Hash32> all = version->roots;  // the store's order: weights, then the search
      all.insert(all.end(), version->search_roots.begin(), version->search_roots.end());
      if (all != roots) continue;
      std::lock_guard lock(mutex_);
      stores_[{id, v}] = std::shared_ptr<const ml::WeightStore>(std::move(*store));
      return std::pair{id, v};
    }
  }
  return fail(Errc::kMismatch, dir.string() + " holds no current or final version of a registered model");
}

pb::LeafRangeResponse RangeServer::answer(const RangeAsk& ask) const {
  std::shared_ptr<const ml::WeightStore> store;
  {
    std::lock_guard lock(mutex_);
    auto it = stores_.find({ask.model_id, ask.version});
    if (it == stores_.end()) return refuse_range(ask, "this node does not hold that model version");
    store = it->second;
  }
  auto resp = serve_range(*store, ask);
  return resp ? std::move(*resp) : refuse_range(ask, resp.error().message);
}

size_t RangeServer::held() const {
  std::lock_guard lock(mutex_);
  return stores_.size();
}

}  // namespace ghost::fetch
