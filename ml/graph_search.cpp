#include "ml/graph_search.h"

#include <algorithm>
#include <queue>

#include "ml/canonical.h"
#include "ml/column_codes.h"

namespace ghost::ml {
namespace {

// Heap orders: the best candidate on top, or the worst kept column on top.
struct WorseFirst {
  bool operator()(const Scored& a, const Scored& b) const { return better(b, a); }
};
struct BestFirst {
  bool operator()(const Scored& a, const Scored& b) const { return better(a, b); }
};

class Scorer {
 public:
  Scorer(const LayerSpec& layer, std::span<const float> x_hat, SearchSource& source)
      : layer_(layer), values_(code_values(layer.d)), query_(code_bytes(layer.d)), source_(source) {
    encode_column(x_hat, query_.data());
  }
  Result<Scored> score(uint64_t column) {
    auto code = source_.code(column);
    if (!code) return std::unexpected(code.error());
    return Scored{code_score(query_.data(), *code, values_), column};
  }
  // The neighbours of `column` on `level`, each checked to be a column.
  Result<std::span<const uint32_t>> next(uint64_t column, uint32_t level) {
    auto row = source_.row(column);
    if (!row) return std::unexpected(row.error());
    if (row->size() != layer_.graph.row_words()) return fail("graph row of column " + std::to_string(column) + " has the wrong size");
    auto out = neighbours(*row, layer_.graph, level);
    for (uint32_t e : out)
      if (e >= layer_.n)
        return fail("graph row of column " + std::to_string(column) + " names column " + std::to_string(e) + " >= n");
    return out;
  }

 private:
  const LayerSpec& layer_;
  size_t values_;
  std::vector<uint8_t> query_;
  SearchSource& source_;
};

// The columns level 0 has reached: one tag per column, reused across searches on a thread.
class Visited {
 public:
  explicit Visited(uint64_t n) {
    if (tags_.size() < n) tags_.assign(n, 0);
    if (++epoch_ == 0) std::fill(tags_.begin(), tags_.end(), 0), epoch_ = 1;
  }
  // True the first time `column` is seen in this search.
  bool insert(uint64_t column) { return tags_[column] != epoch_ ? (tags_[column] = epoch_, true) : false; }

 private:
  static thread_local std::vector<uint32_t> tags_;
  static thread_local uint32_t epoch_;
};
thread_local std::vector<uint32_t> Visited::tags_;
thread_local uint32_t Visited::epoch_ = 0;

}  // namespace

std::span<const uint32_t> neighbours(std::span<const uint32_t> row, const GraphSpec& graph, uint32_t level) {
  const size_t first = level == 0 ? 0 : 2 * size_t(graph.m) + size_t(level - 1) * graph.m;
  const size_t slots = level == 0 ? 2 * size_t(graph.m) : graph.m;
  auto s = row.subspan(first, slots);
  size_t used = 0;
  while (used < s.size() && s[used] != kNoNeighbour) ++used;
  return s.first(used);
}

Result<std::vector<Scored>> graph_search(const LayerSpec& layer, std::span<const float> x_hat, SearchSource& source) {
  const GraphSpec& g = layer.graph;
  Scorer scorer(layer, x_hat, source);
  auto cur = scorer.score(g.entry_point);
  if (!cur) return std::unexpected(cur.error());
  // Upper levels: move to the best neighbour while it beats the current column.
  for (uint32_t level = g.levels - 1; level >= 1; --level) {
    for (;;) {
      auto next = scorer.next(cur->index, level);
      if (!next) return std::unexpected(next.error());
      Scored best = *cur;
      for (uint32_t e : *next) {
        auto s = scorer.score(e);
        if (!s) return std::unexpected(s.error());
        if (better(*s, best)) best = *s;
      }
      if (best.index == cur->index) break;
      *cur = best;
    }
  }
  // Level 0: a beam of ef columns; expand the best unexpanded one until it is worse than
  // every column of a full beam.
  std::priority_queue<Scored, std::vector<Scored>, WorseFirst> candidates;  // best on top
  std::priority_queue<Scored, std::vector<Scored>, BestFirst> beam;         // worst on top
  Visited visited(layer.n);
  visited.insert(cur->index);
  candidates.push(*cur);
  beam.push(*cur);
  while (!candidates.empty()) {
    const Scored c = candidates.top();
    if (beam.size() == g.ef && better(beam.top(), c)) break;
    candidates.pop();
    auto next = scorer.next(c.index, 0);
    if (!next) return std::unexpected(next.error());
    for (uint32_t e : *next) {
      if (!visited.insert(e)) continue;
      auto s = scorer.score(e);
      if (!s) return std::unexpected(s.error());
      if (beam.size() < g.ef || better(*s, beam.top())) {
        candidates.push(*s);
        beam.push(*s);
        if (beam.size() > g.ef) beam.pop();
      }
    }
  }
  const uint32_t k = layer.hopfield().selected_count();
  if (beam.size() < k) return std::vector<Scored>{};
  std::vector<Scored> rescored;
  for (; !beam.empty(); beam.pop()) {
    auto key = source.key(beam.top().index);
    if (!key) return std::unexpected(key.error());
    rescored.push_back({dot(*key, x_hat), beam.top().index});
  }
  return best_of(std::move(rescored), k);
}

}  // namespace ghost::ml
