#include <gtest/gtest.h>

#include <random>

#include "consensus/bft/wal.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::bft {
namespace {

using namespace testing;

pb::SignedVote some_vote(uint64_t h, uint32_t r) {
  return sign_vote(test_key(1), make_vote(pb::PREVOTE, h, r, sha256(std::string_view("b")), test_key(1).public_key()));
}

std::vector<Input> sample_inputs(uint64_t h) {
  pb::SignedProposal sp;
  sp.mutable_proposal()->set_height(h);
  sp.mutable_proposal()->set_pol_round(-1);
  sp.mutable_block()->add_txs("tx");
  SyncedBlock sb;
  sb.block.mutable_header()->set_height(h);
  sb.commit.set_height(h);
  return {sp, some_vote(h, 0), TimeoutEvent{h, 2, TimeoutKind::kPrevote},
          BlockValidated{h, sha256(std::string_view("v")), true}, sb};
}

std::string describe(const Input& in) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, TimeoutEvent>)
          return "timeout " + std::to_string(v.height) + "/" + std::to_string(v.round) + "/" + std::to_string(int(v.kind));
        else if constexpr (std::is_same_v<T, BlockValidated>)
          return "validated " + std::to_string(v.height) + v.block_hash.hex() + (v.valid ? "1" : "0");
        else if constexpr (std::is_same_v<T, SyncedBlock>)
          return "synced " + to_hex(pb::encode(v.block)) + to_hex(pb::encode(v.commit));
        else
          return std::string(typeid(T).name()) + to_hex(pb::encode(v));
      },
      in);
}

TEST(BftWal, ReplaysTheCurrentHeightOnly) {
  MemoryStore store;
  {
    WalReplay r;
    auto wal = Wal::open(store, "wal", &r);
    ASSERT_TRUE(wal);
    EXPECT_TRUE(r.inputs.empty());
    EXPECT_FALSE(r.last_ended_height);
    for (const auto& in : sample_inputs(1)) ASSERT_TRUE(wal->write(in));
    ASSERT_TRUE(wal->end_height(1));
    for (const auto& in : sample_inputs(2)) ASSERT_TRUE(wal->write_sync(in));
  }
  WalReplay r;
  ASSERT_TRUE(Wal::open(store, "wal", &r));
  EXPECT_EQ(r.last_ended_height, 1u);
  EXPECT_FALSE(r.dropped_torn_tail);
  auto want = sample_inputs(2);
  ASSERT_EQ(r.inputs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(describe(r.inputs[i]), describe(want[i]));
}

TEST(BftWal, ARecordItCouldNotReadBackIsRefusedAndNotWritten) {
  MemoryStore store;
  auto wal = Wal::open(store, "wal", nullptr);
  ASSERT_TRUE(wal);
  ASSERT_TRUE(wal->write(some_vote(1, 0)));
  pb::SignedProposal big;
  big.mutable_proposal()->set_height(1);
  big.mutable_block()->add_txs(std::string(kMaxWalRecordBytes, 'x'));
  auto r = wal->write(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  WalReplay replay;
  ASSERT_TRUE(Wal::open(store, "wal", &replay)) << "the WAL still reads back";
  ASSERT_EQ(replay.inputs.size(), 1u);
}

// A crash can cut the last append anywhere: every cut is tolerated, loses only that
// record, and is removed from the file so later appends stay readable.
TEST(BftWal, TornLastRecordIsDroppedAtEveryCut) {
  MemoryStore store;
  auto wal = Wal::open(store, "wal", nullptr);
  for (const auto& in : sample_inputs(3)) ASSERT_TRUE(wal->write(in));
  size_t intact = store.files["wal"].size();
  ASSERT_TRUE(wal->write(some_vote(3, 7)));
  Bytes full = store.files["wal"];
  for (size_t cut = intact; cut < full.size(); ++cut) {
    store.files["wal"] = Bytes(full.begin(), full.begin() + cut);
    WalReplay r;
    auto reopened = Wal::open(store, "wal", &r);
    ASSERT_TRUE(reopened) << "cut at " << cut;
    EXPECT_EQ(r.inputs.size(), 5u);
    EXPECT_EQ(r.dropped_torn_tail, cut != intact);
    EXPECT_EQ(store.files["wal"].size(), intact);
    ASSERT_TRUE(reopened->write(some_vote(3, 8)));
    WalReplay again;
    ASSERT_TRUE(Wal::open(store, "wal", &again));
    EXPECT_EQ(again.inputs.size(), 6u);
  }
}

// Damage anywhere but in the last record is never mistaken for a torn tail: replaying
// past a hole could forget a lock.
TEST(BftWal, DamageBeforeTheLastRecordIsAnErrorAndChangesNothing) {
  MemoryStore store;
  auto wal = Wal::open(store, "wal", nullptr);
  for (const auto& in : sample_inputs(3)) ASSERT_TRUE(wal->write(in));
  Bytes full = store.files["wal"];
  size_t last_start = full.size() - encode_wal_record(WalEntry{std::get<SyncedBlock>(sample_inputs(3).back())}).size();
  std::mt19937_64 rng(3);
  for (size_t at = 0; at < last_start; ++at) {
    Bytes bad = full;
    bad[at] ^= uint8_t(1 + rng() % 255);
    store.files["wal"] = bad;
    auto w = Wal::open(store, "wal", nullptr);
    ASSERT_FALSE(w) << "flip at byte " << at;
    EXPECT_EQ(w.error().code, Errc::kCorrupt) << w.error().message;
    EXPECT_EQ(store.files["wal"], bad) << "a refused WAL must be left as it was";
  }
}

TEST(BftWal, ZeroFilledTailIsTorn) {
  MemoryStore store;
  auto wal = Wal::open(store, "wal", nullptr);
  for (const auto& in : sample_inputs(3)) ASSERT_TRUE(wal->write(in));
  size_t intact = store.files["wal"].size();
  store.files["wal"].resize(intact + 100, 0);
  WalReplay r;
  ASSERT_TRUE(Wal::open(store, "wal", &r));
  EXPECT_TRUE(r.dropped_torn_tail);
  EXPECT_EQ(r.inputs.size(), 5u);
  EXPECT_EQ(store.files["wal"].size(), intact);
}

TEST(BftWal, CompactsAfterTheThreshold) {
  MemoryStore store;
  auto wal = Wal::open(store, "wal", nullptr, 300);
  for (uint64_t h = 1; h <= 20; ++h) {
    for (const auto& in : sample_inputs(h)) ASSERT_TRUE(wal->write(in));
    ASSERT_TRUE(wal->end_height(h));
    EXPECT_LT(store.files["wal"].size(), 1000u);
  }
  WalReplay r;
  ASSERT_TRUE(Wal::open(store, "wal", &r));
  EXPECT_EQ(r.last_ended_height, 20u);
  EXPECT_TRUE(r.inputs.empty());
}

// A record framed exactly as the WAL frames one, around any payload.
Bytes frame(const Bytes& payload) {
  Bytes rec;
  for (int i = 0; i < 4; ++i) rec.push_back(uint8_t(payload.size() >> (8 * i)));
  Hash32 lc = sha256(rec);
  Hash32 pc = sha256(payload);
  for (int i = 0; i < 4; ++i) rec.push_back(lc.bytes[i]);
  for (int i = 0; i < 4; ++i) rec.push_back(pc.bytes[i]);
  for (uint8_t b : payload) rec.push_back(b);
  return rec;
}

TEST(BftWal, RejectsMalformedRecordsWithValidChecksums) {
  std::vector<Bytes> payloads = {{}, {99}, {3, 1, 2}, {6, 1}, {4, 0}, {2, 0xff, 0xff}, {5, 9, 0, 0, 0}};
  for (const Bytes& payload : payloads) {
    Bytes file = frame(payload);
    Bytes end = encode_wal_record(EndHeight{1});
    file.insert(file.end(), end.begin(), end.end());
    EXPECT_FALSE(scan_wal(file)) << to_hex(payload);
  }
  EXPECT_TRUE(scan_wal(encode_wal_record(EndHeight{1})));
}

}  // namespace
}  // namespace ghost::bft
