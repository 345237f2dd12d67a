// Building a layer's committed search (docs/protocol.md §3.22): the int8 codes of its columns
// and an HNSW-style graph over them, on one thread in a fixed order, so the same columns
// always give the same graph (and the same roots). Only the model's maker runs this; everyone
// else reads the committed tensors.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ml/layers.h"
#include "ml/matrix.h"

namespace ghost::ml {

inline constexpr uint32_t kGraphEfConstruction = 100;

// Every column's code (code_bytes(d) bytes each), in column order.
std::vector<uint8_t> encode_columns(const ColumnMatrix& keys);

struct SearchGraph {
  GraphSpec spec;              // ef and m as asked, levels and entry_point as built
  std::vector<uint32_t> rows;  // n rows of spec.row_words() words, empty slots kNoNeighbour
};

// The graph of `n` codes of a d-dimensional layer: column i gets level L with probability
// m^-L (from a hash of i), is inserted in column order by a beam search of ef_construction
// over the levels it joins, and keeps the neighbours hnswlib's heuristic picks (at most m,
// 2m at level 0, pruned by the same heuristic when a link would overflow a row).
SearchGraph build_search_graph(std::span<const uint8_t> codes, uint32_t d, uint64_t n, uint32_t ef, uint32_t m,
                               uint32_t ef_construction = kGraphEfConstruction, bool progress = false);

}  // namespace ghost::ml
