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

    With a `buffer` type (a workgroup memref whose leading dimension is the
    depth) the channel owns the slots' data: `ws.channel.create` takes the
    buffer and `ws.channel.acquire` returns the view of the acquired slot,
    so every access to a slot is tied to its acquire and release in SSA.
    Without one, the channel owns only the synchronization and the roles
    address the slots' data themselves. `convert-ws-channels-to-nvvm` turns
    it into mbarriers (and slot views into subviews of the buffer).

    ```mlir
    !ws.channel<2>
    !ws.channel<2, memref<2x32x584xbf16, #gpu.address_space<workgroup>>>
    ```
  }];
  let parameters = (ins "int64_t":$depth,
                        OptionalParameter<"::mlir::MemRefType">:$buffer);
  let assemblyFormat = "`<` $depth (`,` $buffer^)? `>`";
  let builders = [
    TypeBuilder<(ins "int64_t":$depth), [{
      return $_get($_ctxt, depth, ::mlir::MemRefType());
    }]>
  ];
  let extraClassDeclaration = [{
    /// The type of the view of one slot of the buffer (the buffer without
    /// its leading dimension, at a dynamic offset); null without a buffer.
    ::mlir::MemRefType getSlotType() const;
  }];
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
