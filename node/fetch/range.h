// Leaf ranges of a model's tensors over P2P (docs/protocol.md §6.1.1): what a holder of the
// weights answers, and the checks a fetcher makes on an answer BEFORE it keeps a leaf.
#pragma once

#include <cstdint>

#include "crypto/hash.h"
#include "ml/serve/weight_store.h"
#include "ml/tensor_opening.h"
#include "node/p2p/offence.h"
#include "proto/p2p.pb.h"

namespace ghost::fetch {

// One response stays far below the p2p frame limit (16 MiB) and a peer's send queue.
inline constexpr uint32_t kMaxRangeLeaves = 4096;
inline constexpr size_t kMaxRangeBytes = 4u << 20;

// A request as the server reads it.
struct RangeAsk {
  Hash32 model_id;
  uint64_t version = 0;
  uint32_t tensor = 0;
  uint64_t first = 0;
  uint32_t count = 0;
};

// A request from a peer: a 32-byte model id and 1 <= count <= kMaxRangeLeaves (else kProtocol).
p2p::Checked<RangeAsk> check_request(const pb::LeafRangeRequest& req);
pb::LeafRangeRequest make_request(const RangeAsk& ask);

// The leaves the server sends for `ask` from a store holding that version: from ask.first, at
// most ask.count and at most kMaxRangeBytes (at least one leaf), with their multiproof. Fails
// (nothing to send) on a tensor or first leaf the store does not have.
Result<pb::LeafRangeResponse> serve_range(const ml::WeightStore& store, const RangeAsk& ask);
pb::LeafRangeResponse refuse_range(const RangeAsk& ask, std::string why);

// Leaves that verified: leaves.size() / leaf_bytes of them, from `first` on, canonical bytes.
struct VerifiedRange {
  uint64_t first = 0;
  uint64_t count = 0;
  Bytes leaves;
};

// An answer (not a refusal: the caller looks at resp.refused() first) to `ask`, for a tensor
// committed to by `tensor`: it must name what was asked, open the leaves ask.first,
// ask.first + 1, ... (at least one, at most ask.count) and verify against the root. Anything
// else is kBadWeights, whose score bans: the peer sent weights that are not the chain's.
p2p::Checked<VerifiedRange> check_response(const pb::LeafRangeResponse& resp, const RangeAsk& ask,
                                           const ml::TensorCommitment& tensor);

}  // namespace ghost::fetch
