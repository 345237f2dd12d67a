#include "ml/serve/hnsw_index.h"

#include <unistd.h>

#include <hnswlib/hnswlib.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "base/parallel.h"
#include "ml/column_codes.h"
#include "ml/serve/progress.h"

namespace ghost::ml {

namespace {

std::filesystem::path meta_path(const std::filesystem::path& p) { return p.string() + ".meta"; }

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
  std::atomic<uint64_t> done{0};
  parallel_for_each(keys.count, params.threads, [&](uint64_t i) {
    thread_local std::vector<uint8_t> element;
    ix->space_->element(keys.column(i), element);
    ix->graph_->addPoint(element.data(), i);
    const uint64_t d = done.fetch_add(1) + 1;
    if (params.progress && d % 1000 == 0) draw_progress("building HNSW index", d, keys.count);
  });
  if (params.progress) draw_progress("building HNSW index", keys.count, keys.count);
  ix->set_ef(params.ef);
  return ix;
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::load(const std::filesystem::path& path, uint32_t dim, uint64_t count,
                                                   std::span<const Hash32> roots, const HnswParams& params) {
  std::ifstream meta(meta_path(path));
  if (!meta) return fail(Errc::kNotFound, "no index metadata at " + meta_path(path).string());
  std::string magic;
  uint64_t m_dim = 0, m_count = 0, m_roots = 0;
  meta >> magic >> m_dim >> m_count >> m_roots;
  if (!meta || !magic.starts_with("ghost-hnsw-")) return fail(Errc::kCorrupt, "index metadata is malformed");
  if (magic != meta_magic(params.distance)) return fail(Errc::kMismatch, "index was built in another format (" + magic + ")");
  if (m_dim != dim || m_count != count) return fail(Errc::kMismatch, "index was built for another shape");
  if (m_roots != roots.size()) return fail(Errc::kMismatch, "index was built for other weights");
  for (auto& r : roots) {
    std::string hex;
    meta >> hex;
    if (hex != r.hex()) return fail(Errc::kMismatch, "index was built for other weights (roots differ)");
  }
  std::unique_ptr<HnswIndex> ix(new HnswIndex(dim, count, params.distance));
  try {
    ix->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(ix->space_.get(), path.string(), false, count);
  } catch (const std::exception& e) {
    return fail(Errc::kCorrupt, "cannot load index " + path.string() + ": " + e.what());
  }
  if (ix->graph_->cur_element_count != count || ix->graph_->label_lookup_.size() != count)
    return fail(Errc::kCorrupt, "index file does not hold every column");
  for (uint64_t i = 0; i < count; ++i)
    if (!ix->graph_->label_lookup_.contains(i)) return fail("index file lacks column " + std::to_string(i));
  use_huge_pages(*ix->graph_);
  ix->set_ef(params.ef);
  return ix;
}

Result<void> HnswIndex::save(const std::filesystem::path& path, std::span<const Hash32> roots) const {
  // The index first, then the metadata that vouches for it: removing the old metadata
  // first means a crash in between leaves an index nobody trusts, never a mismatched pair.
  std::error_code ec;
  std::filesystem::remove(meta_path(path), ec);
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());  // readers may save at once
  try {
    graph_->saveIndex(tmp.string());
  } catch (const std::exception& e) {
    return fail(Errc::kIo, "cannot save index: " + std::string(e.what()));
  }
  if (auto s = publish_file(tmp, path); !s) return fail(s.error(), "cannot save index: ");
  std::ostringstream meta;
  meta << meta_magic(distance_) << "\n" << dim_ << " " << count_ << " " << roots.size() << "\n";
  for (auto& r : roots) meta << r.hex() << "\n";
  if (auto w = write_file_atomic(meta_path(path), as_bytes(meta.str())); !w) return fail(w.error(), "cannot write index metadata: ");
  return {};
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
