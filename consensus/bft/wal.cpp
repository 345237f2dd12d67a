#include "consensus/bft/wal.h"

#include <algorithm>
#include <cstring>

#include "proto/decode.h"

namespace ghost::bft {

namespace {

constexpr size_t kWalRecordHeader = 12;  // u32le length, u32 header check, u32 payload check

enum Kind : uint8_t { kProposal = 1, kVote, kTimeout, kValidated, kSynced, kEnd };

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint32_t checksum(ByteSpan payload) { return get_u32(sha256(payload).data()); }

void put_bytes(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

Bytes payload_of(const WalEntry& e) {
  Bytes p;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, pb::SignedProposal>) {
          p.push_back(kProposal);
          put_bytes(p, pb::encode(v));
        } else if constexpr (std::is_same_v<T, pb::SignedVote>) {
          p.push_back(kVote);
          put_bytes(p, pb::encode(v));
        } else if constexpr (std::is_same_v<T, TimeoutEvent>) {
          p.push_back(kTimeout);
          put_u64le(p, v.height);
          put_u32(p, v.round);
          p.push_back(uint8_t(v.kind));
        } else if constexpr (std::is_same_v<T, BlockValidated>) {
          p.push_back(kValidated);
          put_u64le(p, v.height);
          p.insert(p.end(), v.block_hash.bytes.begin(), v.block_hash.bytes.end());
          p.push_back(v.valid ? 1 : 0);
        } else if constexpr (std::is_same_v<T, SyncedBlock>) {
          p.push_back(kSynced);
          Bytes block = pb::encode(v.block);
          put_u32(p, uint32_t(block.size()));
          put_bytes(p, block);
          put_bytes(p, pb::encode(v.commit));
        } else {
          p.push_back(kEnd);
          put_u64le(p, v.height);
        }
      },
      e);
  return p;
}

Result<WalEntry> decode_payload(ByteSpan p) {
  if (p.empty()) return fail("empty WAL record");
  ByteSpan body = p.subspan(1);
  switch (p[0]) {
    case kProposal: {
      auto m = pb::decode_as<pb::SignedProposal>(body, kMaxWalRecordBytes);
      if (!m) return std::unexpected(m.error());
      return WalEntry{std::move(*m)};
    }
    case kVote: {
      auto m = pb::decode_as<pb::SignedVote>(body, kMaxWalRecordBytes);
      if (!m) return std::unexpected(m.error());
      return WalEntry{std::move(*m)};
    }
    case kTimeout:
      if (body.size() != 13 || body[12] < 1 || body[12] > 4) return fail("malformed WAL timeout record");
      return WalEntry{TimeoutEvent{get_u64le(body.data()), get_u32(body.data() + 8), TimeoutKind(body[12])}};
    case kValidated:
      if (body.size() != 41 || body[40] > 1) return fail("malformed WAL validation record");
      return WalEntry{BlockValidated{get_u64le(body.data()), Hash32::from_span(body.subspan(8, 32)), body[40] == 1}};
    case kSynced: {
      if (body.size() < 4 || get_u32(body.data()) > body.size() - 4) return fail("malformed WAL synced-block record");
      uint32_t n = get_u32(body.data());
      auto block = pb::decode_as<pb::Block>(body.subspan(4, n), kMaxWalRecordBytes);
      if (!block) return std::unexpected(block.error());
      auto commit = pb::decode_as<pb::Commit>(body.subspan(4 + n), kMaxWalRecordBytes);
      if (!commit) return std::unexpected(commit.error());
      return WalEntry{SyncedBlock{std::move(*block), std::move(*commit)}};
    }
    case kEnd:
      if (body.size() != 8) return fail("malformed WAL end-of-height record");
      return WalEntry{EndHeight{get_u64le(body.data())}};
    default:
      return fail("unknown WAL record kind " + std::to_string(p[0]));
  }
}

}  // namespace

// A record is u32le length | u32le check of the length | u32le check of the payload | payload.
// The length has its own check so a damaged length is told apart from a torn tail.
Bytes encode_wal_record(const WalEntry& entry) {
  Bytes payload = payload_of(entry);
  Bytes out;
  put_u32(out, uint32_t(payload.size()));
  put_u32(out, checksum(ByteSpan(out.data(), 4)));
  put_u32(out, checksum(payload));
  put_bytes(out, payload);
  return out;
}

Result<WalScan> scan_wal(ByteSpan data) {
  WalScan scan;
  size_t at = 0;
  auto where = [&] { return " at byte " + std::to_string(at); };
  while (at < data.size()) {
    size_t left = data.size() - at;
    if (left < kWalRecordHeader) break;  // torn header
    const uint8_t* h = data.data() + at;
    if (checksum(ByteSpan(h, 4)) != get_u32(h + 4)) {
      // A zero-filled tail is what some filesystems leave after a crash mid-append.
      if (std::all_of(h, data.data() + data.size(), [](uint8_t b) { return b == 0; })) break;
      return fail(Errc::kCorrupt, "WAL record header damaged" + where());
    }
    uint32_t len = get_u32(h);
    if (len > kMaxWalRecordBytes) return fail(Errc::kCorrupt, "WAL record over the size limit" + where());
    if (len > left - kWalRecordHeader) break;  // torn payload
    ByteSpan payload = data.subspan(at + kWalRecordHeader, len);
    if (checksum(payload) != get_u32(h + 8)) {
      if (at + kWalRecordHeader + len == data.size()) break;  // the last record, partly written
      return fail(Errc::kCorrupt, "WAL checksum mismatch with records after it" + where());
    }
    auto e = decode_payload(payload);
    if (!e) return fail(Errc::kCorrupt, "WAL record" + where() + ": " + e.error().message);
    scan.entries.push_back(std::move(*e));
    at += kWalRecordHeader + len;
  }
  scan.valid_bytes = at;
  scan.torn_tail = at < data.size();
  return scan;
}

Result<Wal> Wal::open(DurableStore& store, std::string name, WalReplay* replay, size_t compact_after_bytes) {
  auto data = store.read(name);
  if (!data) return fail(data.error(), "reading WAL: ");
  Bytes bytes = data->value_or(Bytes{});
  auto scan = scan_wal(bytes);
  if (!scan) return fail(scan.error(), "WAL " + name + ": ");
  if (scan->torn_tail)
    if (auto t = store.truncate(name, scan->valid_bytes); !t) return fail(t.error(), "dropping torn WAL tail: ");
  WalReplay r;
  r.dropped_torn_tail = scan->torn_tail;
  for (auto& e : scan->entries) {
    if (auto* end = std::get_if<EndHeight>(&e)) {
      r.last_ended_height = end->height;
      r.inputs.clear();
      continue;
    }
    std::visit(
        [&](auto& v) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, EndHeight>) r.inputs.emplace_back(std::move(v));
        },
        e);
  }
  if (replay) *replay = std::move(r);
  return Wal(store, std::move(name), scan->valid_bytes, compact_after_bytes);
}

Result<void> Wal::append(const WalEntry& e) {
  Bytes rec = encode_wal_record(e);
  // Written, it would make the WAL unreadable at the next start.
  if (rec.size() > kMaxWalRecordBytes + kWalRecordHeader) return fail(Errc::kInvalid, "WAL record over the size limit");
  if (auto a = store_->append(name_, rec); !a) return fail(a.error(), "WAL append: ");
  size_ += rec.size();
  return {};
}

namespace {
WalEntry to_entry(const Input& in) {
  return std::visit([](const auto& v) { return WalEntry{v}; }, in);
}
}  // namespace

Result<void> Wal::write(const Input& input) { return append(to_entry(input)); }

Result<void> Wal::write_sync(const Input& input) {
  if (auto a = append(to_entry(input)); !a) return a;
  return store_->sync(name_);
}

Result<void> Wal::sync() { return store_->sync(name_); }

Result<void> Wal::end_height(uint64_t height) {
  if (size_ >= compact_after_) {
    Bytes rec = encode_wal_record(EndHeight{height});
    if (auto w = store_->write_atomic(name_, rec); !w) return fail(w.error(), "WAL compaction: ");
    size_ = rec.size();
    return {};
  }
  if (auto a = append(EndHeight{height}); !a) return a;
  return store_->sync(name_);
}

}  // namespace ghost::bft
