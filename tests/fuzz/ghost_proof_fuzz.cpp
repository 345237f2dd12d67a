// Arbitrary bytes as a ghost proof or a training proof, verified against a fixed small
// two-layer model: never crashes. Most inputs are edits (offset, byte) of valid proofs so the
// fuzzer reaches the checks behind a successful parse. (Search fraud proofs: search_fraud_fuzz.)
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>

#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/verify/ghost_proof.h"
#include "ml/verify/train_proof.h"
#include "proto/decode.h"
#include "tests/unit/ml/proof_models.h"

namespace {

using namespace ghost;
using namespace ghost::ml;

struct Fixed {
  testing::TestModel model{{testing::hopfield_layer(16, 6, 40, 4, InputEncoding::u8),
                            testing::hopfield_layer(6, 3, 30, 3, InputEncoding::f32)},
                           5};
  ModelVersion version = *model_version(ghost_file_of(*model.model));
  Bytes proof, train;

  Fixed() {
    std::mt19937_64 rng(6);
    const Bytes input = testing::random_input(model.model->layers()[0], rng);
    auto inf = model.model->infer(input, Search::exact);
    const pb::GhostProof p = make_ghost_proof(*model.model, version.model_id, 0, input, *inf, pb::LEAVES_DELTA_ZSTD);
    proof = pb::encode(p);
    const std::vector<float> target{0.5f, -1.0f, 0.25f};
    auto step = model.model->train_step(input, target, 0.1f, Search::exact);
    train = pb::encode(make_train_proof(*model.model, version.model_id, 0, input, target, 0.1f, *step));
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
  const uint8_t mode = data[0] % 4;
  ++data, --size;
  const bool edit = mode % 2;
  switch (mode / 2) {
    case 0:
      (void)verify_ghost_proof_bytes(edit ? edited(f.proof, data, size) : Bytes(data, data + size), f.version);
      break;
    default: {
      auto t = pb::decode_as<pb::TrainProof>(edit ? edited(f.train, data, size) : Bytes(data, data + size));
      if (t) (void)verify_train_proof(*t, f.version);
      break;
    }
  }
  return 0;
}
