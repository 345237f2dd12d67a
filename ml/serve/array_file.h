// Named numeric arrays from the files people export weights to: NumPy's .npy (one array,
// named by the file's stem) and .npz (a zip of .npy), and safetensors. Values arrive as
// float32 whatever the stored dtype (f2/f4/f8, bf16, integers, bool): the weights a model
// commits to are float32, a float64 beyond its range becomes infinite (callers check
// finiteness) and integer parameters are exact below 2^24. The bytes are untrusted: a
// malformed file fails with a message that names the file and the array.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ghost::ml {

struct Array {
  std::string dtype;            // as stored: "<f4", "F32", ...
  std::vector<uint64_t> shape;  // empty for a scalar
  std::vector<float> values;    // C (row-major) order
  uint64_t count() const;       // product of shape (1 for a scalar)
};

using Arrays = std::map<std::string, Array>;

// One .npy file's bytes.
Result<Array> parse_npy(ByteSpan bytes);
// A safetensors file's bytes; its string metadata (if any) is returned in `metadata`.
Result<Arrays> parse_safetensors(ByteSpan bytes, std::map<std::string, std::string>* metadata = nullptr);
// A .npz archive's bytes (stored or deflated members; names without ".npy").
Result<Arrays> parse_npz(ByteSpan bytes);

// Reads .npy, .npz or .safetensors by extension and adds its arrays (and safetensors
// metadata) to `out`; a name seen twice is an error. Files above max_bytes are refused.
Result<void> read_arrays(const std::filesystem::path& file, Arrays& out, std::map<std::string, std::string>& metadata,
                         uint64_t max_bytes = uint64_t(16) << 30);

}  // namespace ghost::ml
