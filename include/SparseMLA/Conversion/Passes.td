//===- Passes.td - sparse_mla conversion passes ----------*- tablegen -*-===//

#ifndef SPARSEMLA_CONVERSION_PASSES_TD
#define SPARSEMLA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSparseMLAToTiles
    : Pass<"convert-sparse-mla-to-tiles", "::mlir::ModuleOp"> {
  let summary = "Lower sparse_mla.fwd ops to a kernel holding a tile "
                "program, and its launch (IR level 2)";
  let description = [{
    Every `sparse_mla.fwd` op with a schedule (simple, pipelined or seesaw)
    becomes

    * a `gpu.func` kernel in the `gpu.module @sparse_mla_kernels`, one CTA
      per (query token, block of `heads_per_cta` heads) and batch, whose
      body is the tile program (`sparse_mla_tile` ops on tiles allocated in
      workgroup memory): load the Q tile and clear the accumulator and the
      statistics; then for each block of `block_k` top-k entries: its rows
      and their validity (`block_rows`), the gather of the valid rows
      (masked rows zero, never read), the masked, scaled logits
      (`matmul ... transpose_b`), one online-softmax step, and the rescaled
      accumulation of `P V`; finally the `finish` that normalizes and writes
      `out`, `lse` and `max_logits`. The KV tile is slot 0 of a ring of the
      schedule's `stages` slots;
    * a `gpu.launch_func` in place of the op, with grid
      `(S * H / heads_per_cta, B, 1)` computed from the operands' dynamic
      sizes and the dynamic shared memory the schedule's layout needs.

    A pipelined kernel is marked `sparse_mla_tile.pipeline_regs` (producer,
    consumer register budgets) for `sparse-mla-tile-partition-pipelined`.
    A seesaw kernel is marked `sparse_mla_tile.seesaw` (its schedule, the
    kv stride, whether it is the split kernel) for
    `convert-sparse-mla-seesaw-to-gpu`; its launch also passes Q's tensor
    map and, with `split_tail`, the split plan naming the split kernel (a
    second kernel with the same program), with the seesaw layout's shared
    memory, and one CTA per SM when persistent. An op whose shape the
    seesaw kernel cannot serve is refused, naming the limit
    (`sparse-mla-select-schedule` already falls back to `simple` when the
    schedule was not asked for).

    The launch carries a `sparse_mla.kernel_info` dictionary (entry, block,
    shared memory, grid formula, parameter names, the op's attributes) that
    `sparse-mla-translate --package` writes into the kernel package.

    Ops without a schedule are an error (run `sparse-mla-select-schedule`
    first).
  }];
  let options = [
    Option<"compiledScale", "compiled-scale", "bool", /*default=*/"false",
           "Compile the op's sm_scale into the kernel as a constant instead "
           "of the `scale_log2` launch parameter (sm_scale x log2(e)) that "
           "lets one package serve every scale; a runtime then launches it "
           "with the op's scale only">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::sparse_mla::SparseMLADialect",
    "::mlir::sparse_mla::tile::TileDialect",
  ];
}

def ConvertSparseMLATilesToSIMT
    : Pass<"convert-sparse-mla-tiles-to-simt", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Lower tile ops to SIMT loops of their thread group";
  let description = [{
    Each `sparse_mla_tile` op becomes a loop over its elements strided over
    the threads of its group (the kernel's block, or the warps of its
    `ws.warp_specialize` role), on the tiles' memrefs:

    * `load`, `fill`: one element per iteration (adjacent fills of tiles of
      one shape share a loop);
    * `block_rows`: when a synchronous op reads the rows, a `[N] x i32`
      workgroup buffer (a kv row, or -1 where invalid) written once; when
      only `async` gathers read them, nothing: each piece evaluates its
      entry itself;
    * `gather`: element copies guarded by validity (zero where invalid,
      nothing read); with `async`, 16-byte `cp.async` pieces with zero-fill
      (0 source bytes where invalid), and the role waits for its copies
      before it returns;
    * `matmul`: one output element per iteration, an f32 dot product (with
      `transpose_b`: skipped, -inf, where masked);
    * `softmax_step`, `finish`: one row per iteration.

    Barriers are not this pass's: run `sparse-mla-tile-barriers` first.
    The workgroup buffers are still `memref.alloc`s
    (`ws-assign-shared-memory` places them).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def ConvertSparseMLATilesToHopper
    : Pass<"convert-sparse-mla-tiles-to-hopper"> {
  let summary = "Lower the tile ops on shared memory inside roles to hopper "
                "and NVVM ops (IR level 5)";
  let description = [{
    Each `sparse_mla_tile.mma_async` becomes the warpgroup's `wgmma.fence`,
    one `hopper.wgmma` (A from shared memory) or `hopper.wgmma_rs` (A from
    registers, rounded to bf16 pairs, fenced with the accumulator) per k16
    step of its K range, and one `hopper.wgmma_commit`. The operands' matrix
    descriptors are derived from their `#sparse_mla_tile.shared` layouts:
    the start address (>> 4), the leading and stride byte offsets and the
    swizzle mode; each k16 step advances the start address by the bytes
    from the operand's first element to the step's, and an MN-major B by
    its `n_offset` columns. `sparse_mla_tile.mma_wait` becomes
    `hopper.wgmma_wait 0`. A `sparse_mla_tile.store_fragment` becomes one
    4-byte `llvm.store` per bf16 pair of the thread's fragment, at the
    address its row and column take in the tile's layout (the swizzle's
    XOR computed from the row). A `sparse_mla_tile.tma_load` becomes one
    `nvvm.cp.async.bulk.tensor` per 64-column block of its tile (at the
    block's offset in the layout and its column coordinate), after the
    evict-first L2 policy where it asks for one.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::hopper::HopperDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

def ConvertSparseMLASeesawToGPU
    : Pass<"convert-sparse-mla-seesaw-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Turn the tile program of each seesaw kernel into the "
                "warp-specialized Hopper kernel";
  let description = [{
    Every kernel that `convert-sparse-mla-to-tiles` made for a
    `sparse_mla.fwd` op with the seesaw schedule (marked
    `sparse_mla_tile.seesaw`, which names the schedule, the kv stride and
    whether it is `split_tail`'s split kernel) has its tile program replaced
    by a `ws.warp_specialize` with three roles (one CTA of 384 threads per
    query token, 64 heads of one kv group, and batch; persistent CTAs loop
    over such tiles). The problem is read from the program: the sizes from
    the types of its global operands, `attn_sink`, `topk_length` and
    `max_logits` from the block rows and the finish, the causal rule from the
    block rows' `last_visible`, a compiled scale from the logits matmul; a
    program of another form, or a parameter order other than the package's,
    is refused by name. The launch (Q's tensor map, the split plan) is
    already in place (docs/seesaw-lowering.md):

    * `producer` (warpgroup 0) copies the Q tile once
      (`sparse_mla_tile.tma_load`, lowered to TMA), then gathers KV
      block `2i + s` into stage `s`, each thread its 16-byte pieces of
      its rows (`sparse_mla_tile.copy_row_async`, lowered to `cp.async`;
      zero-filled, nothing read, for invalid entries), both into
      128-byte-swizzled 64-column blocks, and releases each into the
      channel `kv` (depth 2);
    * `consumer0` / `consumer1` (warpgroups 1, 2): consumer `c` computes
      `S = Q K^T` of block `2i + c` with `sparse_mla_tile.mma_async` (both
      operands from shared memory, 128-byte swizzled), masks invalid columns, exchanges its row max
      with the peer through the channel `max[c]`, rescales, writes its P
      tile (bf16, `sparse_mla_tile.store_fragment`) into the stage's dead
      RoPE slice and publishes it through
      the channel `p[c]` (no proxy fence: `ws-insert-proxy-fences` places
      them where a wgmma reads what another role wrote through the generic
      proxy); then accumulates
      `O_c += P_c V_c[:, half c] + P_p V_p[:, half c]` (V read MN-major
      from the same stage; the own GEMM with P from registers), releasing
      both stages; after the last
      round the row sums go through `max[c]` again and each consumer
      normalizes and writes its half of `out`; consumer 0 writes `lse` and
      `max_logits`.

    Every channel is a `!ws.channel`: who may touch which buffer when is
    visible in SSA, and `convert-ws-channels-to-nvvm` turns them into
    mbarriers; the matrix products are `sparse_mla_tile.mma_async` on
    shared-memory tiles with `#sparse_mla_tile.shared` layouts, their
    accumulators threaded through `sparse_mla_tile.mma_wait`, which
    `convert-sparse-mla-tiles-to-hopper` turns into `hopper` ops (their
    matrix descriptors derived from the layouts). Row statistics use `gpu.shuffle`; exponentials are
    `ex2.approx.ftz`. The body reads its row statistics, P tiles and KV
    stages as the seesaw layout places them: the program's workgroup tiles
    go with it.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::hopper::HopperDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::sparse_mla::SparseMLADialect",
    "::mlir::ws::WarpSpecDialect",
  ];
}

def SparseMLAByValueParams
    : Pass<"sparse-mla-by-value-params", "::mlir::LLVM::LLVMFuncOp"> {
  let summary = "Mark kernel parameters passed by value (tensor maps) once "
                "the kernel is an llvm.func";
  let description = [{
    A kernel lowering that needs a parameter passed by value (a 128-byte
    `CUtensorMap`, read in place by TMA) lists it in the function attribute
    `sparse_mla.by_value_params`: indices into the lowered argument list
    (each memref expanded to its descriptor, docs/kernel-package.md). The
    GPU-to-NVVM function lowering does not carry `llvm.byval` argument
    attributes over, so this pass, run after it on each `llvm.func` kernel,
    gives every listed `!llvm.ptr` argument `llvm.byval` (128 bytes),
    `llvm.align = 64` and `nvvm.grid_constant`, and drops the list. NVPTX
    then addresses the parameter in place (`cvta.param`) instead of copying
    it to local memory.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect",
  ];
}

def SparseMLAOutlineInlineAsm
    : Pass<"sparse-mla-outline-inline-asm", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Keep each distinct inline PTX statement once, in an "
                "always-inline function that every use calls";
  let description = [{
    MLIR 22 lowers several NVVM ops (wgmma, the mbarrier parity wait) to an
    `llvm.inline_asm` per use, and the kernels use inline PTX where NVVM has
    no op (streaming stores, register ties). This pass, run on a
    `gpu.module` once its functions are `llvm.func`s, gives every distinct
    statement (the same PTX, constraints, flags, operand and result types)
    one private function holding it, marked `always_inline`, and replaces
    each `llvm.inline_asm` by a call to it. LLVM inlines the calls before any
    other transformation, so the PTX is what the statements give in place;
    the module then holds each kind of statement once.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
  ];
}

#endif // SPARSEMLA_CONVERSION_PASSES_TD
