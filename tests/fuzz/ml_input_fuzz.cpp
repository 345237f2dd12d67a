// Untrusted inference inputs and revealed leaves: decoding never crashes, and whatever is
// accepted is finite and unit-norm.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "ml/canonical.h"
#include "ml/embedding.h"
#include "ml/hopfield.h"

using namespace ghost;
using namespace ghost::ml;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint32_t d = 1 + data[0] % 64;
  const InputEncoding enc = data[1] & 1 ? InputEncoding::u8 : InputEncoding::f32;
  const ByteSpan input(data + 2, size - 2);
  const HopfieldSpec spec{d, 3, 1 + uint64_t(data[1] >> 1) % 8, 2, 20, enc};

  auto x = query_from_input(input, spec);
  if (x) {
    if (x->size() != d) std::abort();
    for (float v : *x)
      if (!std::isfinite(v)) std::abort();
    if (std::fabs(dot(*x, *x) - 1.0f) > 1e-3f) std::abort();
    // The same bytes as revealed leaves for a forward pass: any outcome but a crash is fine.
    Leaves l;
    for (uint64_t i = 0; i < spec.selected_count(); ++i) l.indices.push_back(i);
    l.keys.assign(size_t(spec.selected_count()) * d, 0.0f);
    for (size_t j = 0; j < l.keys.size(); ++j) l.keys[j] = (*x)[j % d];
    l.values.assign(size_t(spec.selected_count()) * 3, 0.5f);
    auto pass = forward_from_leaves(spec, *x, l);
    if (pass)
      for (float o : pass->output)
        if (!std::isfinite(o)) std::abort();
  }
  auto i = decode_index(input, EmbeddingSpec{1000, 4});
  if (i && *i >= 1000) std::abort();
  auto f = decode_floats(input, input.size() / 4);
  if (f.has_value() != (input.size() % 4 == 0)) std::abort();
  return 0;
}
