#include "node/spotcheck/held_models.h"

namespace ghost::spotcheck {

Result<HeldModels> HeldModels::open(const std::vector<std::string>& dirs, const std::filesystem::path& home,
                                    unsigned threads) {
  HeldModels held;
  ml::ModelOptions o;
  o.threads = threads;
  o.access = ml::StoreAccess::read;
  for (const auto& d : dirs) {
    const std::filesystem::path dir = std::filesystem::path(d).is_absolute() ? std::filesystem::path(d) : home / d;
    auto m = ml::Model::open(dir, o);
    if (!m) return fail(m.error(), "spot_check.model_dirs: " + dir.string() + ": ");
    held.models_.push_back(std::move(*m));
  }
  return held;
}

const ml::Model* HeldModels::find(const ml::ModelVersion& version) const {
  for (const auto& m : models_)
    if (m->layers() == version.layers && m->weight_roots() == version.roots &&
        m->search_roots() == version.search_roots) return m.get();
  return nullptr;
}

}  // namespace ghost::spotcheck
