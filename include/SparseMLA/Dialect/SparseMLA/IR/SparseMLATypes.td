//===- SparseMLATypes.td - sparse_mla types --------------*- tablegen -*-===//

#ifndef SPARSEMLA_TYPES_TD
#define SPARSEMLA_TYPES_TD

include "SparseMLA/Dialect/SparseMLA/IR/SparseMLADialect.td"
include "mlir/IR/AttrTypeBase.td"

class SparseMLA_Type<string name, string typeMnemonic>
    : TypeDef<SparseMLA_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def SparseMLA_ChannelType : SparseMLA_Type<"Channel", "channel"> {
  let summary = "a ring of `depth` shared-memory slots handed between roles";
  let description = [{
    A producer role fills slot `i % depth` for its `i`-th transfer and a
    consumer role drains it; each slot has a `full` and an `empty` barrier.
    The slots' data lives in memory the roles address themselves; the
    channel owns only the synchronization. `sparse-mla-lower-channels`
    turns it into mbarriers.

    ```mlir
    !sparse_mla.channel<2>
    ```
  }];
  let parameters = (ins "int64_t":$depth);
  let assemblyFormat = "`<` $depth `>`";
  let genVerifyDecl = 1;
}

def SparseMLA_TokenType : SparseMLA_Type<"Token", "token"> {
  let summary = "ownership of one channel slot, from acquire to release";
  let description = [{
    Returned by `sparse_mla.channel.acquire` and consumed by exactly one
    `sparse_mla.channel.release`: the slot a role works on is visible in SSA
    from the moment it may touch it to the moment it hands it back.
  }];
}

#endif // SPARSEMLA_TYPES_TD
