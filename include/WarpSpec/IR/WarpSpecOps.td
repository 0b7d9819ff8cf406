//===- WarpSpecOps.td - ws operations --------------------*- tablegen -*-===//

#ifndef WARPSPEC_OPS_TD
#define WARPSPEC_OPS_TD

include "WarpSpec/IR/WarpSpecDialect.td"
include "WarpSpec/IR/WarpSpecTypes.td"
include "WarpSpec/IR/WarpSpecInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def WarpSpec_ChannelSide : I32EnumAttr<"ChannelSide",
    "which side of a channel an acquire or release acts for", [
      I32EnumAttrCase<"producer", 0>,
      I32EnumAttrCase<"consumer", 1>
    ]> {
  let cppNamespace = "::mlir::ws";
}

//===----------------------------------------------------------------------===//
// Warp specialization
//===----------------------------------------------------------------------===//

def WarpSpec_WarpSpecializeOp : WarpSpec_Op<"warp_specialize", [
    IsolatedFromAbove, RecursiveMemoryEffects]> {
  let summary = "one CTA split into roles, each a whole number of warpgroups";
  let description = [{
    Runs its regions concurrently on disjoint warps of one CTA: region `i`
    is role `roles[i]`, executed by `num_warps[i]` warps (a multiple of 4:
    `setmaxnreg` and `wgmma` act on whole warpgroups) holding `regs[i]`
    registers per thread once the role starts. Warps are assigned in region
    order: role 0 takes warps `[0, num_warps[0])`, and so on.

    Regions are isolated from above: every value a role uses from outside
    arrives as an explicit capture (the op's operands, which become each
    region's block arguments, in order). Roles share nothing else; they
    communicate only through shared memory and barriers that the IR spells
    out, so no SSA value silently crosses warpgroups.

    A role that releases a `!ws.channel` it captured must have as many
    threads as the channel's barriers expect arrivals on that side (every
    thread releases once per transfer), or a wait would never complete or
    would complete early.

    The verifier checks what the hardware imposes: whole warpgroups, each
    budget a valid `setmaxnreg` value (a multiple of 8 in [24, 256]), the sum
    of `regs x threads` within the 65,536-register file, at most 1,024
    threads, and one named barrier per role (plus the CTA-wide id 0) within
    the 16 the hardware has.

    Example (a producer warpgroup and two consumer warpgroups):

    ```mlir
    ws.warp_specialize (%q, %n) : memref<64x576xbf16, 3>, index
      role "producer" warps(4) regs(72) (%q0: memref<64x576xbf16, 3>, %n0: index) {
        ws.role_return
      }
      role "consumer0" warps(4) regs(216) (%q1: memref<64x576xbf16, 3>, %n1: index) {
        ws.role_return
      }
      role "consumer1" warps(4) regs(216) (%q2: memref<64x576xbf16, 3>, %n2: index) {
        ws.role_return
      }
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$captures,
                       StrArrayAttr:$roles,
                       DenseI32ArrayAttr:$num_warps,
                       DenseI32ArrayAttr:$regs);
  let regions = (region VariadicRegion<SizedRegion<1>>:$partitions);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Threads of the whole CTA (sum over roles).
    int64_t getNumThreads();
  }];
}

def WarpSpec_RoleReturnOp : WarpSpec_Op<"role_return", [
    Pure, Terminator, ReturnLike, HasParent<"WarpSpecializeOp">]> {
  let summary = "ends one role of a ws.warp_specialize";
  let description = [{
    Terminates a role's region. Roles produce no values: what they compute
    leaves through memory.
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Channels between roles
//===----------------------------------------------------------------------===//

def WarpSpec_ChannelCreateOp : WarpSpec_Op<"channel.create"> {
  let summary = "a channel whose barriers live in `barriers`";
  let description = [{
    Declares a channel of `depth` slots (the result type's depth), written by
    `producers` threads per transfer and read by `consumers` threads.
    `barriers` is the shared memory of its `2 * depth` barriers (full ones,
    then empty ones). Created before the roles start, by the whole CTA, and
    passed to them as a capture.

    ```mlir
    %ch = ws.channel.create %bars producers(128) consumers(128)
        : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
    ```
  }];
  let arguments = (ins MemRefRankOf<[I64], [1]>:$barriers,
                       Optional<AnyMemRef>:$buffer,
                       ConfinedAttr<I64Attr, [IntPositive]>:$producers,
                       ConfinedAttr<I64Attr, [IntPositive]>:$consumers);
  let results = (outs WarpSpec_ChannelType:$channel);
  let assemblyFormat = [{
    $barriers (`buffer` `(` $buffer^ `:` type($buffer) `)`)? `producers` `(` $producers `)`
    `consumers` `(` $consumers `)` attr-dict `:` type($barriers) `->`
    qualified(type($channel))
  }];
  let builders = [
    OpBuilder<(ins "Type":$channel, "Value":$barriers,
                   "IntegerAttr":$producers, "IntegerAttr":$consumers), [{
      build($_builder, $_state, channel, barriers, Value(), producers,
            consumers);
    }]>
  ];
  let hasVerifier = 1;
}

def WarpSpec_ChannelAcquireOp : WarpSpec_Op<"channel.acquire"> {
  let summary = "wait until slot `iteration % depth` is the caller's";
  let description = [{
    For the `producer` side: waits until the slot of transfer `iteration` is
    empty (its previous use was released; the first `depth` transfers find
    their slots empty). For the `consumer` side: waits until it is full.
    Returns the slot index and the token that the matching release consumes.
    The barrier phase follows from `iteration`: `(iteration / depth) & 1`.

    ```mlir
    %slot, %tok = ws.channel.acquire producer %ch[%i] : !ws.channel<2>
    ```
  }];
  let arguments = (ins WarpSpec_ChannelType:$channel, Index:$iteration,
                       WarpSpec_ChannelSide:$side);
  let results = (outs Index:$slot, WarpSpec_TokenType:$token,
                      Optional<AnyMemRef>:$view);
  let assemblyFormat = [{
    $side $channel `[` $iteration `]` attr-dict `:` qualified(type($channel))
    (`->` type($view)^)?
  }];
  let builders = [
    // The slot, the token and, for a channel that owns its buffer, the
    // slot's view.
    OpBuilder<(ins "Value":$channel, "Value":$iteration,
                   "ChannelSide":$side), [{
      auto type = ::llvm::cast<ChannelType>(channel.getType());
      build($_builder, $_state, $_builder.getIndexType(),
            TokenType::get($_builder.getContext()),
            type.getBuffer() ? Type(type.getSlotType()) : Type(), channel,
            iteration, side);
    }]>,
    OpBuilder<(ins "Type":$slot, "Type":$token, "Value":$channel,
                   "Value":$iteration, "ChannelSide":$side), [{
      build($_builder, $_state, slot, token, Type(), channel, iteration,
            side);
    }]>
  ];
  let hasVerifier = 1;
}

def WarpSpec_ChannelReleaseOp : WarpSpec_Op<"channel.release"> {
  let summary = "hand slot back: producer marks it full, consumer empty";
  let description = [{
    Ends the ownership that `token` stands for. On the `producer` side with
    `async`, the slot counts as full once the calling thread's outstanding
    `cp.async` copies have landed (`cp.async.mbarrier.arrive.noinc`);
    with `tx(N)`, once `N` more bytes of asynchronous transactions (TMA
    copies that name the slot's full barrier, issued after the release)
    have landed: the first thread of each warpgroup-aligned role announces
    them (`mbarrier.arrive.expect_tx`), the others just arrive; otherwise at
    once. On the `consumer` side, the slot is empty for the producer's next
    use.

    ```mlir
    ws.channel.release producer %ch[%slot], %tok async : !ws.channel<2>
    ```
  }];
  let arguments = (ins WarpSpec_ChannelType:$channel, Index:$slot,
                       WarpSpec_TokenType:$token, WarpSpec_ChannelSide:$side,
                       UnitAttr:$async, OptionalAttr<I64Attr>:$tx_bytes);
  let assemblyFormat = [{
    $side $channel `[` $slot `]` `,` $token (`async` $async^)?
    (`tx` `(` $tx_bytes^ `)`)? attr-dict `:`
    qualified(type($channel))
  }];
  let builders = [
    OpBuilder<(ins "Value":$channel, "Value":$slot, "Value":$token,
                   "ChannelSide":$side, "bool":$async), [{
      build($_builder, $_state, channel, slot, token, side, async,
            IntegerAttr());
    }]>
  ];
  let hasVerifier = 1;
}

def WarpSpec_ChannelSendOp
    : WarpSpec_Op<"channel.send", [AttrSizedOperandSegments]> {
  let summary = "small values handed to the consumer side through a slot";
  let description = [{
    A value channel's transfer, for small hand-offs (row maxima, row sums):
    the calling thread waits until the slot of transfer `iteration` is
    empty, stores each of `values` at its own group of indices into the
    slot's view (one group of slot-rank indices per value) and releases the
    slot (producer side). The channel must own its buffer, whose element
    type every value has. Each of the channel's `producers` threads takes
    part in every transfer; with `if %p` a thread whose `%p` is false
    stores nothing (lanes holding copies of one value leave the store to
    one of them) but still acquires and releases. `ws-expand-value-transfers`
    turns it into `ws.channel.acquire`, `memref.store` and
    `ws.channel.release`.

    ```mlir
    ws.channel.send %m to %ch[%i] at [%row] : f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
    ws.channel.send %m0, %m1 to %ch[%i] at [%r0], [%r1] if %leader : f32, f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values,
                       WarpSpec_ChannelType:$channel, Index:$iteration,
                       Variadic<Index>:$indices, Optional<I1>:$when);
  let assemblyFormat = [{
    $values `to` $channel `[` $iteration `]` `at`
    custom<IndexGroups>($indices) (`if` $when^)? attr-dict `:`
    type($values) `to` qualified(type($channel))
  }];
  let extraClassDeclaration = [{
    /// The indices of value `k` into the slot (its group).
    ::mlir::ValueRange getIndexGroup(size_t k);
  }];
  let hasVerifier = 1;
}

def WarpSpec_ChannelReceiveOp : WarpSpec_Op<"channel.receive"> {
  let summary = "small values taken from a slot on the consumer side";
  let description = [{
    The other end of `ws.channel.send`: waits until the slot of transfer
    `iteration` is full, loads one value at each group of indices into the
    slot's view and releases the slot (consumer side: the producer may fill
    it again once all `consumers` threads have). Expanded by
    `ws-expand-value-transfers`.

    ```mlir
    %m = ws.channel.receive %ch[%i] at [%row] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32
    %m0, %m1 = ws.channel.receive %ch[%i] at [%r0], [%r1] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32, f32
    ```
  }];
  let arguments = (ins WarpSpec_ChannelType:$channel, Index:$iteration,
                       Variadic<Index>:$indices);
  let results = (outs Variadic<AnyType>:$values);
  let assemblyFormat = [{
    $channel `[` $iteration `]` `at` custom<IndexGroups>($indices)
    attr-dict `:` qualified(type($channel)) `->` type($values)
  }];
  let extraClassDeclaration = [{
    /// The indices of value `k` into the slot (its group).
    ::mlir::ValueRange getIndexGroup(size_t k);
  }];
  let hasVerifier = 1;
}

#endif // WARPSPEC_OPS_TD
