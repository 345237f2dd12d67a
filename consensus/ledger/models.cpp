// RegisterModel: a ghost file becomes a model (id, version 0 roots) in the registry.
#include "consensus/ledger/models.h"

#include "consensus/ledger/exec.h"
#include "ml/ghost_file.h"
#include "proto/decode.h"

namespace ghost::ledger {

using pb::TxCode;

Result<Hash32> check_ghost_file(const pb::GhostFile& file) {
  if (auto ok = ml::validate_ghost_file(file); !ok) return std::unexpected(ok.error());
  return ml::model_id(file);
}

std::vector<std::string> ghost_file_roots(const pb::GhostFile& file) {
  std::vector<std::string> roots;
  for (const auto& layer : file.layers())
    for (const auto& t : layer.tensors()) roots.push_back(t.root());
  return roots;
}

TxResult<void> Exec::register_model(const CheckedTx& tx, const pb::RegisterModel& r) {
  const pb::GhostFile& file = r.ghost_file();
  auto id = check_ghost_file(file);
  if (!id) return tx_fail(TxCode::BAD_GHOST_FILE, id.error().message);
  if (file.owner() != std::string(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end()))
    return tx_fail(TxCode::BAD_GHOST_FILE, "the ghost file's owner must be the sender");
  if (model(*id)) return tx_fail(TxCode::MODEL_EXISTS, "this ghost file is already registered");
  add_model(*id, file);
  return {};
}

void Exec::add_model(const Hash32& id, const pb::GhostFile& file) {
  pb::ModelInfo info;
  info.set_model_id(id.data(), 32);
  *info.mutable_ghost_file() = file;
  info.set_registered_height(block_.height);
  st_.put(keys::model(id), dump(info));
  pb::ModelVersion v0;
  for (auto& root : ghost_file_roots(file)) v0.add_roots(std::move(root));
  st_.put(keys::model_version(id, 0), dump(v0));
}

}  // namespace ghost::ledger
