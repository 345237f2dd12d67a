#include "ml/serve/progress.h"

#include <cstdio>

namespace ghost::ml {

void draw_progress(const char* what, uint64_t done, uint64_t total) {
  const int width = 40;
  const int filled = total ? int(width * done / total) : width;
  std::fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu", what, filled, "########################################",
               width - filled, "", (unsigned long long)done, (unsigned long long)total);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace ghost::ml
