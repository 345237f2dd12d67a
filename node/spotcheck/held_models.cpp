#include "node/spotcheck/held_models.h"

#include "node/log/log.h"

namespace ghost::spotcheck {

Result<HeldModels> HeldModels::open(const std::vector<std::string>& dirs, const std::filesystem::path& home,
                                    const std::filesystem::path& data_dir, const ledger::Ledger& ledger,
                                    const worker::BlockAt& block_at, unsigned threads) {
  namespace fs = std::filesystem;
  HeldModels held;
  for (size_t i = 0; i < dirs.size(); ++i) {
    const fs::path dir = fs::path(dirs[i]).is_absolute() ? fs::path(dirs[i]) : home / dirs[i];
    const fs::path copy = data_dir / std::to_string(i);
    std::error_code ec;
    fs::remove_all(copy, ec);  // a copy of an earlier run: the configured folder may have changed
    fs::create_directories(data_dir, ec);
    if (auto ok = ml::Model::clone(dir, copy); !ok) return fail(ok.error(), "spot_check.model_dirs: " + dir.string() + ": ");
    auto m = worker::ServedModel::open_any(copy, ledger, threads, block_at);
    if (!m && m.error().code != Errc::kMismatch) return fail(m.error(), "spot_check.model_dirs: " + dir.string() + ": ");
    auto caught_up = m ? (*m)->catch_up(ledger, block_at) : Result<size_t>(std::unexpected(m.error()));
    if (!caught_up || held.models_.contains((*m)->model_id())) {
      log::warn("spotcheck", "model folder not held: its answers are skipped",
                {{"folder", dir.string()},
                 {"reason", caught_up ? "another folder holds this model" : caught_up.error().message}});
      continue;
    }
    log::info("spotcheck", "checking answers of a model",
              {{"folder", dir.string()}, {"model", (*m)->model_id().hex()}, {"version", (*m)->version()}});
    held.models_[(*m)->model_id()] = std::move(*m);
  }
  return held;
}

worker::ServedModel* HeldModels::find(const Hash32& model_id) const {
  auto it = models_.find(model_id);
  return it == models_.end() ? nullptr : it->second.get();
}

}  // namespace ghost::spotcheck
