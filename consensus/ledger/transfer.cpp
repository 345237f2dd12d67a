// Transfer: move credits from the sender to an address.
#include "consensus/ledger/exec.h"

namespace ghost::ledger {

void Exec::transfer(const CheckedTx& tx, const pb::Transfer& t) {
  debit(tx.sender_address, t.amount(), "the transfer");
  credit(*Address::from_bytes(as_bytes(t.to())), t.amount());
}

}  // namespace ghost::ledger
