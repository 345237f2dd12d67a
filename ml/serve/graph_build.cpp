#include "ml/serve/graph_build.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "ml/column_codes.h"
#include "ml/serve/progress.h"

namespace ghost::ml {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// P(level >= L) = m^-L, in integers.
uint32_t level_of(uint64_t column, uint32_t m) {
  const uint64_t x = splitmix64(column);
  uint64_t limit = UINT64_MAX;
  uint32_t level = 0;
  while (level + 1 < kMaxGraphLevels && (limit /= m) > x) ++level;
  return level;
}

struct WorseFirst {
  bool operator()(const Scored& a, const Scored& b) const { return better(b, a); }
};
struct BestFirst {
  bool operator()(const Scored& a, const Scored& b) const { return better(a, b); }
};

class Builder {
 public:
  Builder(std::span<const uint8_t> codes, uint32_t d, uint64_t n, uint32_t m, uint32_t efc)
      : codes_(codes), bytes_(code_bytes(d)), values_(code_values(d)), m_(m), efc_(efc), links_(n), tags_(n, 0) {}

  void insert(uint64_t i) {
    const uint32_t level = level_of(i, m_);
    links_[i].resize(level + 1);
    if (i == 0) {
      entry_ = 0, top_ = level;
      return;
    }
    Scored cur{sim(i, entry_), entry_};
    for (uint32_t l = top_; l > level; --l) cur = greedy(i, cur, l);
    for (uint32_t l = std::min(level, top_) + 1; l-- > 0;) {
      std::vector<Scored> found = beam(i, cur, l);
      std::vector<Scored> chosen = heuristic(found, m_);
      for (const Scored& c : chosen) links_[i][l].push_back(uint32_t(c.index));
      for (const Scored& c : chosen) link(c.index, i, l);
      cur = found.front();
    }
    if (level > top_) entry_ = i, top_ = level;
  }

  SearchGraph finish(uint32_t ef) const {
    SearchGraph g;
    g.spec = {ef, m_, top_ + 1, entry_};
    const uint32_t words = g.spec.row_words();
    g.rows.assign(links_.size() * words, kNoNeighbour);
    for (uint64_t i = 0; i < links_.size(); ++i)
      for (uint32_t l = 0; l < links_[i].size(); ++l) {
        const size_t first = l == 0 ? 0 : 2 * size_t(m_) + size_t(l - 1) * m_;
        std::copy(links_[i][l].begin(), links_[i][l].end(), g.rows.begin() + i * words + first);
      }
    return g;
  }

 private:
  const uint8_t* code(uint64_t i) const { return codes_.data() + i * bytes_; }
  float sim(uint64_t a, uint64_t b) const { return code_similarity(code(a), code(b), values_); }
  size_t max_links(uint32_t level) const { return level == 0 ? 2 * size_t(m_) : m_; }

  Scored greedy(uint64_t q, Scored cur, uint32_t level) const {
    for (;;) {
      Scored best = cur;
      for (uint32_t e : links_[cur.index][level])
        if (Scored s{sim(q, e), e}; better(s, best)) best = s;
      if (best.index == cur.index) return cur;
      cur = best;
    }
  }

  // The ef_construction best columns reachable on `level`, best first.
  std::vector<Scored> beam(uint64_t q, Scored start, uint32_t level) {
    if (++epoch_ == 0) std::fill(tags_.begin(), tags_.end(), 0), epoch_ = 1;
    std::priority_queue<Scored, std::vector<Scored>, WorseFirst> candidates;
    std::priority_queue<Scored, std::vector<Scored>, BestFirst> kept;
    tags_[start.index] = epoch_;
    candidates.push(start);
    kept.push(start);
    while (!candidates.empty()) {
      const Scored c = candidates.top();
      if (kept.size() == efc_ && better(kept.top(), c)) break;
      candidates.pop();
      for (uint32_t e : links_[c.index][level]) {
        if (tags_[e] == epoch_) continue;
        tags_[e] = epoch_;
        const Scored s{sim(q, e), e};
        if (kept.size() < efc_ || better(s, kept.top())) {
          candidates.push(s);
          kept.push(s);
          if (kept.size() > efc_) kept.pop();
        }
      }
    }
    std::vector<Scored> out;
    for (; !kept.empty(); kept.pop()) out.push_back(kept.top());
    std::reverse(out.begin(), out.end());
    return out;
  }

  // hnswlib's neighbour heuristic: keep a candidate (best first) unless it is closer to an
  // already kept one than to the query.
  std::vector<Scored> heuristic(const std::vector<Scored>& sorted, size_t limit) const {
    std::vector<Scored> kept;
    for (const Scored& c : sorted) {
      if (kept.size() >= limit) break;
      bool good = true;
      for (const Scored& r : kept)
        if (sim(c.index, r.index) > c.score) {
          good = false;
          break;
        }
      if (good) kept.push_back(c);
    }
    return kept;
  }

  void link(uint64_t from, uint64_t to, uint32_t level) {
    auto& row = links_[from][level];
    row.push_back(uint32_t(to));
    if (row.size() <= max_links(level)) return;
    std::vector<Scored> sorted;
    for (uint32_t e : row) sorted.push_back({sim(from, e), e});
    std::sort(sorted.begin(), sorted.end(), better);
    row.clear();
    for (const Scored& s : heuristic(sorted, max_links(level))) row.push_back(uint32_t(s.index));
  }

  std::span<const uint8_t> codes_;
  size_t bytes_, values_;
  uint32_t m_, efc_;
  std::vector<std::vector<std::vector<uint32_t>>> links_;  // [column][level] -> neighbours
  std::vector<uint32_t> tags_;
  uint32_t epoch_ = 0;
  uint64_t entry_ = 0;
  uint32_t top_ = 0;
};

}  // namespace

std::vector<uint8_t> encode_columns(const ColumnMatrix& keys) {
  const size_t bytes = code_bytes(keys.dim);
  std::vector<uint8_t> codes(keys.count * bytes);
  for (uint64_t i = 0; i < keys.count; ++i) encode_column(keys.column(i), codes.data() + i * bytes);
  return codes;
}

SearchGraph build_search_graph(std::span<const uint8_t> codes, uint32_t d, uint64_t n, uint32_t ef, uint32_t m,
                               uint32_t ef_construction, bool progress) {
  Builder b(codes, d, n, m, std::max<uint32_t>(ef_construction, 1));
  for (uint64_t i = 0; i < n; ++i) {
    b.insert(i);
    if (progress && (i + 1) % 1000 == 0) draw_progress("building search graph", i + 1, n);
  }
  if (progress) draw_progress("building search graph", n, n);
  return b.finish(ef);
}

}  // namespace ghost::ml
