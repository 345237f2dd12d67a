// Transfer: move credits from the sender to an address.
#include "consensus/ledger/exec.h"

namespace ghost::ledger {

TxResult<void> Exec::transfer(const CheckedTx& tx, const pb::Transfer& t) {
  if (auto d = debit(tx.sender_address, t.amount(), "the transfer"); !d) return d;
  return credit(*Address::from_bytes(as_bytes(t.to())), t.amount());
}

}  // namespace ghost::ledger
