// The vocabulary of the BFT engine (bft_engine.h): its steps, its inputs and its outputs.
#pragma once

#include <cstdint>
#include <variant>

#include "consensus/bft/verify.h"

namespace ghost::bft {

// Signing order inside a round; the signer refuses to go back in (height, round, step).
enum class Step : uint8_t { kPropose = 1, kPrevote = 2, kPrecommit = 3 };

enum class TimeoutKind : uint8_t { kPropose = 1, kPrevote = 2, kPrecommit = 3, kCommit = 4 };

// Fired by the driver when a ScheduleTimeout's delay has passed.
struct TimeoutEvent {
  uint64_t height = 0;
  uint32_t round = 0;
  TimeoutKind kind = TimeoutKind::kPropose;
  auto operator<=>(const TimeoutEvent&) const = default;
};

// The application's answer to a ValidateBlock request.
struct BlockValidated {
  uint64_t height = 0;
  Hash32 block_hash;
  bool valid = false;
};

// A block with a commit for it, fetched from a peer that is ahead (block sync).
struct SyncedBlock {
  pb::Block block;
  pb::Commit commit;
};

using Input = std::variant<pb::SignedProposal, pb::SignedVote, TimeoutEvent, BlockValidated, SyncedBlock>;

struct BroadcastProposal {
  pb::SignedProposal proposal;
};
struct BroadcastVote {
  pb::SignedVote vote;
};
struct ScheduleTimeout {
  TimeoutEvent event;
  uint64_t delay_ms = 0;
};
struct ValidateBlock {
  uint64_t height = 0;
  Hash32 block_hash;
  pb::Block block;
};
struct Decision {
  uint64_t height = 0;
  pb::Block block;
  pb::Commit commit;
};
struct EvidenceFound {
  pb::Evidence evidence;
};

using Output = std::variant<BroadcastProposal, BroadcastVote, ScheduleTimeout, ValidateBlock, Decision, EvidenceFound>;

}  // namespace ghost::bft
