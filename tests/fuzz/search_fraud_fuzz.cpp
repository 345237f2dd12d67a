// Arbitrary bytes as a search fraud proof (docs/protocol.md §3.19), verified against a fixed
// small model's answers: never crashes. Most inputs are edits (offset, byte) of a valid proof
// against a degraded answer, so the fuzzer reaches the replayed search behind the openings.
// Whatever the bytes, a proof against the model's canonical or exact answer never verifies.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>

#include "ml/serve/ghost_file_io.h"
#include "ml/serve/prove.h"
#include "ml/verify/search_fraud.h"
#include "proto/decode.h"
#include "tests/unit/ml/proof_models.h"

namespace {

using namespace ghost;
using namespace ghost::ml;

struct Fixed {
  testing::TestModel made{{testing::hopfield_layer(16, 4, 300, 4, InputEncoding::u8)}, 9};
  std::unique_ptr<Model> model;
  ModelVersion version;
  pb::GhostProof degraded, canonical, exact;
  Bytes fraud;

  Fixed() {
    made.model.reset();
    model = std::move(*Model::open(made.dir.path));  // with its committed search
    version = *model_version(ghost_file_of(*model));
    std::mt19937_64 rng(10);
    const Bytes input = testing::random_input(model->layers()[0], rng);
    auto answer = [&](Search s) {
      return make_ghost_proof(*model, version.model_id, 0, input, *model->infer(input, s), pb::LEAVES_RAW);
    };
    canonical = answer(Search::graph);
    exact = answer(Search::exact);
    // The last four columns: far from most queries, so the canonical search outranks them.
    Inference inf = *model->infer(input, Search::exact);
    Leaves& leaves = inf.layers[0].leaves;
    leaves.indices = {296, 297, 298, 299};
    leaves.keys.clear();
    leaves.values.clear();
    for (uint64_t i : leaves.indices) {
      auto k = model->store().leaf(0, i);
      auto v = model->store().leaf(1, i);
      leaves.keys.insert(leaves.keys.end(), k->begin(), k->end());
      leaves.values.insert(leaves.values.end(), v->begin(), v->end());
    }
    const auto x = *query_from_input(input, model->layers()[0].hopfield());
    inf.layers[0].pass = *forward_from_leaves(model->layers()[0].hopfield(), x, leaves);
    degraded = make_ghost_proof(*model, version.model_id, 0, input, inf, pb::LEAVES_RAW);
    auto found = find_search_fraud(*model, version, degraded, LeafWire{});
    if (!found || !found->has_value() || !verify_search_fraud(**found, degraded, version))
      std::abort();  // the edits would start from nothing
    fraud = pb::encode(**found);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixed f;
  google::protobuf::LogSilencer quiet;
  if (size == 0) return 0;
  Bytes in(data + 1, data + size);
  if (data[0] % 2) {
    in = f.fraud;
    for (size_t i = 1; i + 2 < size; i += 3) in[(data[i] | data[i + 1] << 8) % in.size()] ^= data[i + 2];
  }
  auto proof = pb::decode_as<pb::SearchFraudProof>(in);
  if (!proof) return 0;
  (void)verify_search_fraud(*proof, f.degraded, f.version);
  if (verify_search_fraud(*proof, f.canonical, f.version) || verify_search_fraud(*proof, f.exact, f.version))
    std::abort();  // an honest answer was proven faulty
  return 0;
}
