//===- WarpSpecTypes.td - ws types -----------------------*- tablegen -*-===//

#ifndef WARPSPEC_TYPES_TD
#define WARPSPEC_TYPES_TD

include "WarpSpec/IR/WarpSpecDialect.td"
include "mlir/IR/AttrTypeBase.td"

class WarpSpec_Type<string name, string typeMnemonic>
    : TypeDef<WarpSpec_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def WarpSpec_ChannelType : WarpSpec_Type<"Channel", "channel"> {
  let summary = "a ring of `depth` shared-memory slots handed between roles";
  let description = [{
    A producer role fills slot `i % depth` for its `i`-th transfer and a
    consumer role drains it; each slot has a `full` and an `empty` barrier.
    The slots' data lives in memory the roles address themselves; the
    channel owns only the synchronization. `convert-ws-channels-to-nvvm`
    turns it into mbarriers.

    ```mlir
    !ws.channel<2>
    ```
  }];
  let parameters = (ins "int64_t":$depth);
  let assemblyFormat = "`<` $depth `>`";
  let genVerifyDecl = 1;
}

def WarpSpec_TokenType : WarpSpec_Type<"Token", "token"> {
  let summary = "ownership of one channel slot, from acquire to release";
  let description = [{
    Returned by `ws.channel.acquire` and consumed by exactly one
    `ws.channel.release`: the slot a role works on is visible in SSA from
    the moment it may touch it to the moment it hands it back.
  }];
}

#endif // WARPSPEC_TYPES_TD
