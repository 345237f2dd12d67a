// Arbitrary bytes as a .ghost file: never crashes; what decodes is valid, yields a model
// version, and survives a re-encoding unchanged. Half the inputs are edits of a valid file
// (offset, byte pairs), so the fuzzer also reaches the checks behind a successful parse.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>

#include "ml/ghost_file.h"
#include "proto/decode.h"

namespace {

ghost::Bytes valid_file() {
  ghost::pb::GhostFile g;
  g.set_format_version(ghost::ml::kGhostFormatVersion);
  g.set_name("fuzz");
  g.set_hash_function(ghost::pb::SHA256_MERKLE_V1);
  g.set_update_policy(ghost::pb::LISTED_TRAINERS);
  g.add_trainers(std::string(20, 't'));
  for (uint32_t l = 0; l < 2; ++l) {
    auto* layer = g.add_layers();
    layer->set_type(ghost::pb::HOPFIELD_LOOKUP);
    layer->set_d(l == 0 ? 12 : 5);
    layer->set_d_out(l == 0 ? 5 : 3);
    layer->set_n(40);
    layer->set_k(4);
    layer->set_beta(10);
    layer->set_input_encoding(l == 0 ? ghost::pb::U8 : ghost::pb::F32);
    for (const char* t : {"W_K", "W_V"}) {
      auto* info = layer->add_tensors();
      std::string name(1, 'L');
      name.append(std::to_string(l)).append(1, '.').append(t);
      info->set_name(name);
      info->set_leaf_count(40);
      info->set_leaf_floats(t[2] == 'K' ? layer->d() : layer->d_out());
      info->set_root(std::string(32, char('a' + l)));
    }
    // The committed search (docs/protocol.md §3.22): ef 8, M 2, 2 levels, C and G.
    layer->set_ef(8);
    layer->set_graph_m(2);
    layer->set_graph_levels(2);
    layer->set_entry_point(3);
    for (const char* t : {"C", "G"}) {
      auto* info = layer->add_search_tensors();
      std::string name(1, 'L');
      name.append(std::to_string(l)).append(1, '.').append(t);
      info->set_name(name);
      info->set_leaf_count(40);
      info->set_leaf_floats(t[0] == 'C' ? (64 + 4) / 4 : 2 * 2 + 2);
      info->set_root(std::string(32, char('c' + l)));
    }
  }
  return ghost::pb::encode(g);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ghost::Bytes base = valid_file();
  static const bool base_valid = ghost::ml::decode_ghost_file(base).has_value();
  if (!base_valid) std::abort();  // the edits would start from nothing
  google::protobuf::LogSilencer quiet;
  ghost::Bytes in(data, data + size);
  if (size > 0 && data[0] % 2) {
    in = base;
    for (size_t i = 1; i + 2 < size; i += 3) in[(data[i] | data[i + 1] << 8) % in.size()] = data[i + 2];
  }
  auto g = ghost::ml::decode_ghost_file(in);
  if (!g) return 0;
  auto mv = ghost::ml::model_version(*g);
  if (!mv) std::abort();
  auto again = ghost::ml::decode_ghost_file(ghost::pb::encode(*g));
  if (!again || ghost::ml::model_id(*again) != mv->model_id) std::abort();
  (void)ghost::ml::ghost_file_json(*g);
  return 0;
}
