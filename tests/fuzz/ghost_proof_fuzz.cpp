// Arbitrary bytes as a ghost proof, a training proof or a recall challenge, verified against
// a fixed small two-layer model: never crashes. Most inputs are edits (offset, byte) of valid
// proofs so the fuzzer reaches the checks behind a successful parse. A challenge against the
// model's exact answer must never verify.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>

#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/recall_fraud.h"
#include "ml/verify/train_proof.h"
#include "proto/decode.h"
#include "tests/unit/ml/proof_models.h"

namespace {

using namespace ghost;
using namespace ghost::ml;

struct Fixed {
  testing::TestModel model{{testing::hopfield_layer(16, 6, 40, 4, InputEncoding::u8),
                            testing::hopfield_layer(6, 3, 30, 3, InputEncoding::f32, 0.5f)},
                           5};
  ModelVersion version = *model_version(ghost_file_of(*model.model));
  Bytes proof, train, challenge;

  Fixed() {
    std::mt19937_64 rng(6);
    const Bytes input = testing::random_input(model.model->layers()[0], rng);
    auto inf = model.model->infer(input, Search::exact);
    const pb::GhostProof p = make_ghost_proof(*model.model, version.model_id, 0, input, *inf, pb::LEAVES_DELTA_ZSTD);
    proof = pb::encode(p);
    const std::vector<float> target{0.5f, -1.0f, 0.25f};
    auto step = model.model->train_step(input, target, 0.1f, Search::exact);
    train = pb::encode(make_train_proof(*model.model, version.model_id, 0, input, target, 0.1f, *step));
    // A challenge naming the best columns outside the answer: well formed, but no fraud.
    const auto& sel = p.layers(1).selected();
    std::vector<uint64_t> cols;
    for (uint64_t c = 0; cols.size() < 2 && c < 30; ++c)
      if (std::find(sel.begin(), sel.end(), c) == sel.end()) cols.push_back(c);
    Bytes leaves;
    for (uint64_t c : cols) {
      auto b = model.model->store().leaf_bytes(2, c);
      leaves.insert(leaves.end(), b->begin(), b->end());
    }
    pb::RecallFraudProof f;
    f.set_layer(1);
    *f.mutable_keys() = make_opening(model.model->store().tree(2), cols, leaves, pb::LEAVES_RAW);
    challenge = pb::encode(f);
    if (!verify_ghost_proof_bytes(proof, version) || !verify_train_proof(*pb::decode_as<pb::TrainProof>(train), version))
      std::abort();  // the edits would start from nothing
  }
};

Bytes edited(const Bytes& base, const uint8_t* data, size_t size) {
  Bytes out = base;
  for (size_t i = 0; i + 2 < size; i += 3) out[(data[i] | data[i + 1] << 8) % out.size()] ^= data[i + 2];
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixed f;
  google::protobuf::LogSilencer quiet;
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 6;
  ++data, --size;
  const bool edit = mode % 2;
  switch (mode / 2) {
    case 0:
      (void)verify_ghost_proof_bytes(edit ? edited(f.proof, data, size) : Bytes(data, data + size), f.version);
      break;
    case 1: {
      auto t = pb::decode_as<pb::TrainProof>(edit ? edited(f.train, data, size) : Bytes(data, data + size));
      if (t) (void)verify_train_proof(*t, f.version);
      break;
    }
    default: {
      auto c = pb::decode_as<pb::RecallFraudProof>(edit ? edited(f.challenge, data, size) : Bytes(data, data + size));
      auto result = pb::decode_as<pb::GhostProof>(f.proof);
      if (c && verify_recall_fraud(*c, *result, f.version)) std::abort();  // the answer is exact
      break;
    }
  }
  return 0;
}
