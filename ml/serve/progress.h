// A progress bar on stderr for long model builds (search graphs, HNSW indexes).
#pragma once

#include <cstdint>

namespace ghost::ml {

// Redraws "\r<what> [####    ] done/total", ending the line when done == total.
void draw_progress(const char* what, uint64_t done, uint64_t total);

}  // namespace ghost::ml
