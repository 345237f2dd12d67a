#include "ml/serve/hnsw_index.h"

#include <fcntl.h>
#include <hnswlib/hnswlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "ml/serve/column_codes.h"

namespace ghost::ml {

namespace {

std::filesystem::path meta_path(const std::filesystem::path& p) { return p.string() + ".meta"; }

// fsync of a file or a directory by path.
Result<void> sync_path(const std::filesystem::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return fail("cannot open " + p.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return fail("cannot sync " + p.string() + ": " + std::strerror(err));
  return {};
}
Result<void> sync_file(const std::filesystem::path& p) { return sync_path(p, O_RDONLY); }
Result<void> sync_dir(const std::filesystem::path& p) { return sync_path(p, O_RDONLY | O_DIRECTORY); }

void draw_progress(uint64_t done, uint64_t total) {
  const int width = 40;
  const int filled = total ? int(width * done / total) : width;
  std::fprintf(stderr, "\rbuilding HNSW index [%.*s%*s] %llu/%llu", filled,
               "########################################", width - filled, "", (unsigned long long)done,
               (unsigned long long)total);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

// Moves the graph's level-0 block (every element's links, code and floats: nearly all of the
// index) to memory backed by 2 MiB pages where the kernel allows. A search reads elements at
// random, and with 4 KiB pages most of those reads also miss the TLB. The old block's pages
// are released as they are copied, so a loaded index is never held twice.
void use_huge_pages(hnswlib::HierarchicalNSW<float>& g) {
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t bytes = (g.max_elements_ * g.size_data_per_element_ + kHuge - 1) / kHuge * kHuge;
  char* block = static_cast<char*>(std::aligned_alloc(kHuge, bytes));
  if (!block) return;  // keep the block hnswlib allocated
  madvise(block, bytes, MADV_HUGEPAGE);  // advice only: ignored where THP is off
  const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  char* old = g.data_level0_memory_;
  const size_t used = g.cur_element_count * g.size_data_per_element_;
  for (size_t at = 0; at < used; at += kHuge) {
    const size_t len = std::min(kHuge, used - at);
    std::memcpy(block + at, old + at, len);
    // Only whole pages inside the copied range: the block's neighbours are never touched.
    const uintptr_t lo = (uintptr_t(old + at) + page - 1) / page * page, hi = uintptr_t(old + at + len) / page * page;
    if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  }
  std::free(old);  // hnswlib frees the block with free()
  g.data_level0_memory_ = block;
}

const char* meta_magic(HnswDistance d) {
  return d == HnswDistance::int8_codes ? "ghost-hnsw-v2-int8" : "ghost-hnsw-v2-f32";
}

}  // namespace

// A graph element is what the search compares (a column's int8 code, or its floats for
// `float32` graphs) followed, for codes, by the column's exact floats (what column() serves).
class HnswIndex::Space : public hnswlib::SpaceInterface<float> {
 public:
  Space(uint32_t dim, HnswDistance distance)
      : floats_(dim),
        code_(distance == HnswDistance::int8_codes ? code_bytes(dim) : 0),
        padded_(code_ ? code_ - sizeof(float) : 0) {}
  size_t get_data_size() override { return code_ + floats_.get_data_size(); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return code_ ? code_distance() : floats_.get_dist_func(); }
  void* get_dist_func_param() override { return code_ ? &padded_ : floats_.get_dist_func_param(); }

  // Offset of the exact floats in an element.
  size_t floats_offset() const { return code_; }
  // The element of `column`; a search query needs only the part the distance reads.
  void element(std::span<const float> column, std::vector<uint8_t>& out, bool query = false) const {
    const size_t float_bytes = code_ && query ? 0 : column.size() * sizeof(float);
    out.resize(code_ + float_bytes);
    if (code_) encode_column(column, out.data());
    std::memcpy(out.data() + code_, column.data(), float_bytes);
  }

 private:
  hnswlib::InnerProductSpace floats_;
  size_t code_;
  size_t padded_;
};

HnswIndex::HnswIndex(uint32_t dim, uint64_t count, HnswDistance distance)
    : dim_(dim), count_(count), distance_(distance), space_(std::make_unique<Space>(dim, distance)) {}

HnswIndex::~HnswIndex() = default;

std::unique_ptr<HnswIndex> HnswIndex::build(const ColumnMatrix& keys, const HnswParams& params) {
  std::unique_ptr<HnswIndex> ix(new HnswIndex(keys.dim, keys.count, params.distance));
  ix->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(ix->space_.get(), std::max<uint64_t>(keys.count, 1),
                                                                 params.M, params.ef_construction, params.seed);
  use_huge_pages(*ix->graph_);
  unsigned threads = params.threads ? params.threads : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<uint64_t> next{0}, done{0};
  auto work = [&](bool reporter) {
    std::vector<uint8_t> element;
    for (uint64_t i; (i = next.fetch_add(1)) < keys.count;) {
      ix->space_->element(keys.column(i), element);
      ix->graph_->addPoint(element.data(), i);
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
  if (!meta || !magic.starts_with("ghost-hnsw-")) return fail("index metadata is malformed");
  if (magic != meta_magic(params.distance)) return fail("index was built in another format (" + magic + ")");
  if (m_dim != dim || m_count != count) return fail("index was built for another shape");
  if (m_roots != roots.size()) return fail("index was built for other weights");
  for (auto& r : roots) {
    std::string hex;
    meta >> hex;
    if (hex != r.hex()) return fail("index was built for other weights (roots differ)");
  }
  std::unique_ptr<HnswIndex> ix(new HnswIndex(dim, count, params.distance));
  try {
    ix->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(ix->space_.get(), path.string(), false, count);
  } catch (const std::exception& e) {
    return fail("cannot load index " + path.string() + ": " + e.what());
  }
  if (ix->graph_->cur_element_count != count || ix->graph_->label_lookup_.size() != count)
    return fail("index file does not hold every column");
  for (uint64_t i = 0; i < count; ++i)
    if (!ix->graph_->label_lookup_.contains(i)) return fail("index file lacks column " + std::to_string(i));
  use_huge_pages(*ix->graph_);
  ix->set_ef(params.ef);
  return ix;
}

Result<void> HnswIndex::save(const std::filesystem::path& path, std::span<const Hash32> roots) const {
  // The index to a temporary file, synced, renamed over the old one; then the metadata the
  // same way, last: metadata never vouches for a half-written index or another one. The
  // directory is synced at the end so both renames survive a crash.
  std::error_code ec;
  std::filesystem::remove(meta_path(path), ec);
  const std::filesystem::path tmp = path.string() + ".tmp";
  try {
    graph_->saveIndex(tmp.string());
  } catch (const std::exception& e) {
    return fail("cannot save index: " + std::string(e.what()));
  }
  if (auto s = sync_file(tmp); !s) return s;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail("cannot save index " + path.string() + ": " + ec.message());
  const std::filesystem::path meta_tmp = meta_path(path).string() + ".tmp";
  {
    std::ofstream meta(meta_tmp, std::ios::trunc);
    meta << meta_magic(distance_) << "\n" << dim_ << " " << count_ << " " << roots.size() << "\n";
    for (auto& r : roots) meta << r.hex() << "\n";
    if (!meta.flush()) return fail("cannot write index metadata");
  }
  if (auto s = sync_file(meta_tmp); !s) return s;
  std::filesystem::rename(meta_tmp, meta_path(path), ec);
  if (ec) return fail("cannot write index metadata: " + ec.message());
  return sync_dir(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
}

void HnswIndex::set_ef(size_t ef) {
  ef_ = ef;
  graph_->setEf(ef);
}

std::vector<uint64_t> HnswIndex::search(std::span<const float> q, size_t count) const {
  thread_local std::vector<uint8_t> query;
  space_->element(q, query, /*query=*/true);
  auto pq = graph_->searchKnn(query.data(), count);
  std::vector<uint64_t> out;
  out.reserve(pq.size());
  for (; !pq.empty(); pq.pop()) out.push_back(pq.top().second);
  return out;
}

std::span<const float> HnswIndex::column(uint64_t label) const {
  auto id = graph_->label_lookup_.at(label);
  return {reinterpret_cast<const float*>(graph_->getDataByInternalId(id) + space_->floats_offset()), dim_};
}

void HnswIndex::update(uint64_t label, std::span<const float> column) {
  std::vector<uint8_t> element;
  space_->element(column, element);
  graph_->addPoint(element.data(), label);
}

}  // namespace ghost::ml
