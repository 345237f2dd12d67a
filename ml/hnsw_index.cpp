#include "ml/hnsw_index.h"

#include <hnswlib/hnswlib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace ghost::ml {

namespace {

constexpr const char* kMetaMagic = "ghost-hnsw-v1";

std::filesystem::path meta_path(const std::filesystem::path& p) { return p.string() + ".meta"; }

void draw_progress(uint64_t done, uint64_t total) {
  const int width = 40;
  const int filled = total ? int(width * done / total) : width;
  std::fprintf(stderr, "\rbuilding HNSW index [%.*s%*s] %llu/%llu", filled,
               "########################################", width - filled, "", (unsigned long long)done,
               (unsigned long long)total);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

HnswIndex::HnswIndex(uint32_t dim, uint64_t count)
    : dim_(dim), count_(count), space_(std::make_unique<hnswlib::InnerProductSpace>(dim)) {}

HnswIndex::~HnswIndex() = default;

std::unique_ptr<HnswIndex> HnswIndex::build(const ColumnMatrix& keys, const HnswParams& params) {
  std::unique_ptr<HnswIndex> ix(new HnswIndex(keys.dim, keys.count));
  ix->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(ix->space_.get(), std::max<uint64_t>(keys.count, 1),
                                                                 params.M, params.ef_construction, params.seed);
  unsigned threads = params.threads ? params.threads : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<uint64_t> next{0}, done{0};
  auto work = [&](bool reporter) {
    for (uint64_t i; (i = next.fetch_add(1)) < keys.count;) {
      ix->graph_->addPoint(keys.column(i).data(), i);
      const uint64_t d = done.fetch_add(1) + 1;
      if (reporter && params.progress && (d % 1000 == 0)) draw_progress(d, keys.count);
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, false);
    work(true);
  }
  if (params.progress) draw_progress(keys.count, keys.count);
  ix->set_ef(params.ef);
  return ix;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::load(const std::filesystem::path& path, uint32_t dim, uint64_t count,
                                                   std::span<const Hash32> roots, const HnswParams& params) {
  std::ifstream meta(meta_path(path));
  if (!meta) return fail("no index metadata at " + meta_path(path).string());
  std::string magic;
  uint64_t m_dim = 0, m_count = 0, m_roots = 0;
  meta >> magic >> m_dim >> m_count >> m_roots;
  if (!meta || magic != kMetaMagic) return fail("index metadata is malformed");
  if (m_dim != dim || m_count != count) return fail("index was built for another shape");
  if (m_roots != roots.size()) return fail("index was built for other weights");
  for (auto& r : roots) {
    std::string hex;
    meta >> hex;
    if (hex != r.hex()) return fail("index was built for other weights (roots differ)");
  }
  std::unique_ptr<HnswIndex> ix(new HnswIndex(dim, count));
  try {
    ix->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(ix->space_.get(), path.string(), false, count);
  } catch (const std::exception& e) {
    return fail("cannot load index " + path.string() + ": " + e.what());
  }
  if (ix->graph_->cur_element_count != count || ix->graph_->label_lookup_.size() != count)
    return fail("index file does not hold every column");
  for (uint64_t i = 0; i < count; ++i)
    if (!ix->graph_->label_lookup_.contains(i)) return fail("index file lacks column " + std::to_string(i));
  ix->set_ef(params.ef);
  return ix;
}

Result<void> HnswIndex::save(const std::filesystem::path& path, std::span<const Hash32> roots) const {
  // Index first, metadata last (via rename): metadata never vouches for a half-written index.
  std::error_code ec;
  std::filesystem::remove(meta_path(path), ec);
  try {
    graph_->saveIndex(path.string());
  } catch (const std::exception& e) {
    return fail("cannot save index: " + std::string(e.what()));
  }
  const auto tmp = meta_path(path).string() + ".tmp";
  {
    std::ofstream meta(tmp, std::ios::trunc);
    meta << kMetaMagic << "\n" << dim_ << " " << count_ << " " << roots.size() << "\n";
    for (auto& r : roots) meta << r.hex() << "\n";
    if (!meta.flush()) return fail("cannot write index metadata");
  }
  std::filesystem::rename(tmp, meta_path(path), ec);
  if (ec) return fail("cannot write index metadata: " + ec.message());
  return {};
}

void HnswIndex::set_ef(size_t ef) {
  ef_ = ef;
  graph_->setEf(ef);
}

std::vector<uint64_t> HnswIndex::search(std::span<const float> q, size_t count) const {
  auto pq = graph_->searchKnn(q.data(), count);
  std::vector<uint64_t> out;
  out.reserve(pq.size());
  for (; !pq.empty(); pq.pop()) out.push_back(pq.top().second);
  return out;
}

std::span<const float> HnswIndex::column(uint64_t label) const {
  auto id = graph_->label_lookup_.at(label);
  return {reinterpret_cast<const float*>(graph_->getDataByInternalId(id)), dim_};
}

void HnswIndex::update(uint64_t label, std::span<const float> column) { graph_->addPoint(column.data(), label); }

}  // namespace ghost::ml
