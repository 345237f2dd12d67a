// The BFT consensus engine: Tendermint's Algorithm 1 ("The latest gossip on BFT consensus",
// Buchman, Kwon, Milosevic 2018) as a deterministic state machine. The driver (the node, or
// the simulator) feeds it inputs — proposals, votes, timeout events, block-validation
// answers, synced blocks — and carries out its outputs: messages to broadcast, timeouts to
// schedule, blocks to validate, decisions, evidence. It does no I/O itself; its own
// messages are signed by the Signer, which persists before releasing a signature.
//
// What a driver must do (tests/sim/sim_node.cpp is the reference):
// - write every input to the Wal before step(); set the Signer's before_sign hook to the
//   WAL sync; write_sync each own proposal/vote before sending it;
// - apply a Decision to the ledger before the commit timeout it schedules fires, then
//   Wal::end_height;
// - after a restart: start(ledger height + 1), step() every replayed input, and send again
//   the own messages found among them (the signer re-signs only its last position);
// - keep re-sending the current height's own messages and the polka_votes() (lossy links),
//   and answer a peer that is behind with SyncedBlocks.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "consensus/bft/types.h"
#include "consensus/bft/vote_tally.h"
#include "consensus/bft/signer.h"

namespace ghost::bft {

// Round r waits base + r x delta (docs/protocol.md §8), so that after GST some round is long enough.
struct Timeouts {
  uint64_t propose_ms = 1000, propose_delta_ms = 500;
  uint64_t prevote_ms = 500, prevote_delta_ms = 500;
  uint64_t precommit_ms = 500, precommit_delta_ms = 500;
  uint64_t commit_ms = 500;  // after a decision, to collect late precommits
  uint64_t delay(TimeoutKind kind, uint32_t round) const;
};

struct EngineConfig {
  std::string chain_id;
  Timeouts timeouts;
  uint32_t max_rounds_ahead = 100;      // messages for rounds further ahead are dropped
  size_t max_future_messages = 4096;    // next-height messages kept until that height starts
  uint64_t max_synced_ahead = 16;       // synced blocks kept this many heights ahead
};

// What the engine needs from the ledger. All answers must be deterministic functions of
// the committed chain (every honest node must get the same ones).
class BftApp {
 public:
  virtual ~BftApp() = default;
  // The validator set of `height` with its round-0 proposer schedule (proposer.h).
  virtual const ValidatorSet& validators(uint64_t height) = 0;
  // A new block to propose at (height, round).
  virtual pb::Block propose_block(uint64_t height, uint32_t round) = 0;
  virtual Hash32 block_hash(const pb::Block& block) = 0;
};

class Engine {
 public:
  // `signer` may be null for a node that only follows the chain.
  Engine(EngineConfig config, BftApp& app, Signer* signer, SigCache* cache = nullptr);

  // Starts `height` at round 0 (the driver then replays that height's WAL inputs, if any).
  std::vector<Output> start(uint64_t height);
  std::vector<Output> step(const Input& input);

  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  Step current_step() const { return step_; }
  bool decided() const { return decided_; }
  const VoteValue& locked_value() const { return locked_value_; }
  int64_t locked_round() const { return locked_round_; }
  const VoteValue& valid_value() const { return valid_value_; }
  int64_t valid_round() const { return valid_round_; }
  const ValidatorSet& validator_set() const { return valset_; }
  // The prevotes that justify the valid value (its polka): a proposal re-proposing it names
  // that round, and peers that lost those prevotes cannot accept it until they are relayed.
  std::vector<pb::SignedVote> polka_votes() const;

 private:
  enum class Validity : uint8_t { kPending, kValid, kInvalid };
  // Proposals of one round kept from its proposer: more than one only if it equivocates.
  // The paper's lines 36 and 49 fire on any of them, so its other values can still lock and
  // decide; the bound keeps an equivocator from filling memory.
  static constexpr size_t kMaxProposalsPerRound = 4;
  struct RoundState {
    std::vector<pb::SignedProposal> proposals;  // in arrival order
    VoteTally prevotes, precommits;
    std::vector<bool> senders;  // validators heard from in this round (round skip, line 55)
    uint64_t sender_power = 0;
    std::vector<bool> conflict_reported;
    bool prevote_timeout_scheduled = false, precommit_timeout_scheduled = false, polka_seen = false;
  };
  using Out = std::vector<Output>;

  void begin_height(uint64_t height, Out& out);
  void handle(const Input& input, Out& out);
  void on_proposal(const pb::SignedProposal& sp, Out& out);
  void on_vote(const pb::SignedVote& sv, Out& out);
  void on_timeout(const TimeoutEvent& t, Out& out);
  void on_synced(const SyncedBlock& b, Out& out);
  bool buffer_if_future(uint64_t height, uint64_t ahead, const Input& input);

  RoundState& round_state(uint32_t round);
  size_t proposer_for(uint32_t round);
  void note_sender(RoundState& rs, size_t index);
  Validity validity(const Hash32& h) const;

  void run_rules(Out& out);
  bool try_decide(Out& out);
  bool try_round_skip(Out& out);
  bool try_prevote_on_proposal(Out& out);
  bool try_polka_for_value(Out& out);
  bool try_polka_for_nil(Out& out);
  void schedule_vote_timeouts(Out& out);

  void start_round(uint32_t round, Out& out);
  void cast(pb::VoteType type, const VoteValue& value, Out& out);
  void schedule(TimeoutKind kind, Out& out);
  void decide(const pb::Block& block, pb::Commit commit, uint64_t commit_delay_ms, Out& out);

  EngineConfig config_;
  BftApp* app_;
  Signer* signer_;
  SigCache* cache_;

  uint64_t height_ = 0;
  uint32_t round_ = 0;
  Step step_ = Step::kPropose;
  bool decided_ = false;
  VoteValue locked_value_, valid_value_;
  int64_t locked_round_ = -1, valid_round_ = -1;

  ValidatorSet valset_;
  std::optional<size_t> my_index_;
  std::map<uint32_t, RoundState> rounds_;
  std::map<uint32_t, size_t> proposers_;
  std::map<Hash32, pb::Block> blocks_;
  std::map<Hash32, Validity> validity_;
  std::vector<Input> future_;
};

}  // namespace ghost::bft
