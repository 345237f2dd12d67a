// A model folder from weights people export with NumPy or PyTorch. The arrays are named by
// layer: L<l>.W_K (n x d: one stored pattern per row, the columns of the protocol's W_K),
// L<l>.W_V (n x d_out), or L<l>.E (n x d_out) for an embedding first layer; a one-layer
// model may drop the "L0." prefix. A Hopfield layer's parameters k, beta and
// input ("f32" or "u8") come from scalar arrays or safetensors metadata under the same
// prefix (L0.beta), else from ImportDefaults. Anything else in the files is an error, so a
// misspelt name is never silently ignored.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "ml/layers.h"
#include "ml/serve/array_file.h"

namespace ghost::ml {

struct ImportDefaults {
  std::optional<uint32_t> k;
  std::optional<float> beta;
  std::optional<InputEncoding> encoding;
};

// The layers the arrays describe, checked: shapes agree, values finite, the stack valid.
Result<std::vector<LayerSpec>> imported_layers(const Arrays& arrays, const std::map<std::string, std::string>& metadata,
                                               const ImportDefaults& defaults);

// Writes a new model folder at `dir` (refused if one is there) from the arrays.
Result<void> import_model(const std::filesystem::path& dir, const std::string& name, const Arrays& arrays,
                          const std::map<std::string, std::string>& metadata, const ImportDefaults& defaults,
                          unsigned threads = 0);

}  // namespace ghost::ml
