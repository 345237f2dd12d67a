// Ghost files (docs/protocol.md §3.13): a model's architecture plus the committed Merkle
// root of every weight tensor, as a protobuf (a `.ghost` file is its binary encoding). The
// pure parts: building, validating, decoding and naming one. A model's own ghost file and
// .ghost files on disk are in ml/serve/ghost_file_io.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "base/result.h"
#include "ml/layers.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

inline constexpr uint32_t kGhostFormatVersion = 1;
inline constexpr size_t kMaxGhostFileBytes = 1u << 20;
inline constexpr size_t kAddressBytes = 20;

// What the chain needs besides architecture and roots.
struct GhostFileMeta {
  Bytes owner;  // 20-byte address, or empty offline
  pb::UpdatePolicy policy = pb::OWNER_ONLY;
  std::vector<Bytes> trainers;  // only under LISTED_TRAINERS
  uint64_t price_floor = 0;     // micro-credits per inference
};

// The ghost file of a model named `name` with these layers and the roots of its tensors:
// layer_tensors() across layers, then search_tensors() across layers (a model store's order). Not validated: a missing root is left empty, which
// validate_ghost_file rejects.
pb::GhostFile make_ghost_file(const std::string& name, std::span<const LayerSpec> layers,
                              std::span<const Hash32> roots, const GhostFileMeta& meta = {});

// Every structural rule: format version, hash function, policy and addresses, each layer's
// parameters (shapes > 0, k <= n, beta finite > 0, chaining, the
// search graph's parameters), each tensor's and search tensor's name, shape and 32-byte root. The first violation is the error.
Result<void> validate_ghost_file(const pb::GhostFile& file);

// SHA-256 of the deterministic encoding: the model id when registered.
Hash32 model_id(const pb::GhostFile& file);

// The architecture and roots a ghost proof is checked against: one version of one model.
struct ModelVersion {
  Hash32 model_id;
  uint64_t version = 0;
  std::vector<LayerSpec> layers;
  std::vector<Hash32> roots;  // every tensor, layer_tensors() order across layers
  // The search tensors (search_tensors() across layers), fixed for every version.
  std::vector<Hash32> search_roots;

  // Index into roots of the first tensor of `layer`.
  size_t first_tensor(size_t layer) const;
  // Index into search_roots of the layer's codes L<l>.C (its graph L<l>.G follows).
  size_t first_search_tensor(size_t layer) const;
};

// Version 0 of a ghost file (validated first).
Result<ModelVersion> model_version(const pb::GhostFile& file);

Result<pb::GhostFile> decode_ghost_file(ByteSpan data);  // size limit, parse, validate

// Protobuf's JSON mapping (bytes as base64), indented.
std::string ghost_file_json(const pb::GhostFile& file);

}  // namespace ghost::ml
