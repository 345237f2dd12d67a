// WAL recovery from arbitrary bytes: the scan either fails cleanly or yields records, and
// replaying those records into an engine never crashes it.
#include <cstdint>
#include <cstdlib>
#include <map>

#include "consensus/bft/engine.h"
#include "consensus/bft/proposer.h"
#include "consensus/bft/wal.h"
#include "proto/decode.h"

using namespace ghost;
using namespace ghost::bft;

namespace {
class OneFile : public DurableStore {
 public:
  std::map<std::string, Bytes> files;
  Result<std::optional<Bytes>> read(const std::string& n) override {
    auto it = files.find(n);
    return it == files.end() ? std::optional<Bytes>{} : std::optional<Bytes>{it->second};
  }
  Result<void> write_atomic(const std::string& n, ByteSpan d) override {
    files[n].assign(d.begin(), d.end());
    return {};
  }
  Result<void> append(const std::string& n, ByteSpan d) override {
    files[n].insert(files[n].end(), d.begin(), d.end());
    return {};
  }
  Result<void> sync(const std::string&) override { return {}; }
  Result<void> truncate(const std::string& n, uint64_t s) override {
    if (files[n].size() > s) files[n].resize(s);
    return {};
  }
};

class App : public BftApp {
 public:
  ValidatorSet set = [] {
    std::vector<Validator> v;
    for (int i = 0; i < 4; ++i) v.push_back({PrivateKey::from_seed("walfuzz-" + std::to_string(i)).public_key(), 10, 0});
    return start_schedule(*ValidatorSet::make(v));
  }();
  const ValidatorSet& validators(uint64_t) override { return set; }
  pb::Block propose_block(uint64_t h, uint32_t) override {
    pb::Block b;
    b.mutable_header()->set_height(h);
    return b;
  }
  Hash32 block_hash(const pb::Block& b) override { return sha256(pb::encode(b)); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  // Raw bytes, and the same bytes framed as one valid record (to reach the decoders).
  for (int framed = 0; framed < 2; ++framed) {
    OneFile store;
    Bytes file(in.begin(), in.end());
    if (framed) {
      file = encode_wal_record(EndHeight{1});
      Bytes len;
      for (int i = 0; i < 4; ++i) len.push_back(uint8_t(in.size() >> (8 * i)));
      Hash32 lc = sha256(len), pc = sha256(in);
      for (uint8_t b : len) file.push_back(b);
      for (int i = 0; i < 4; ++i) file.push_back(lc.bytes[i]);
      for (int i = 0; i < 4; ++i) file.push_back(pc.bytes[i]);
      for (uint8_t b : in) file.push_back(b);
    }
    store.files["wal"] = file;
    WalReplay replay;
    auto wal = Wal::open(store, "wal", &replay);
    auto scan = scan_wal(file);
    if (bool(wal) != bool(scan)) std::abort();
    if (!wal) {
      if (store.files["wal"] != file) std::abort();  // a refused WAL is left untouched
      continue;
    }
    if (store.files["wal"].size() != scan->valid_bytes) std::abort();
    App app;
    EngineConfig cfg;
    cfg.chain_id = "fuzz";
    Engine engine(cfg, app, nullptr);
    engine.start(replay.last_ended_height.value_or(0) + 1);
    for (const auto& input : replay.inputs) engine.step(input);
  }
  return 0;
}
