// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu | FileCheck %s --check-prefix=LEVEL4
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper --ws-insert-proxy-fences | FileCheck %s
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper | FileCheck %s --check-prefix=TIES
// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper --convert-hopper-to-nvvm | FileCheck %s --check-prefix=PINS

// The pass's own output: the consumers' products are warpgroup tile ops on
// the shared-memory tiles (no hopper or NVVM wgmma op yet), their layouts
// named: Q [64, 576] and the stages [64 keys, 576], 128-byte swizzled.
// S = Q K^T of consumer 0 is the L half (column blocks 0-3) then the R half
// (4-8); its own P V reads P from registers (32 f32) and V columns
// [0, 256); the cross P V reads the peer's P tile from shared memory and
// V columns [0, 256) of the peer's stage.
// LEVEL4-NOT: hopper.wgmma
// The producer: Q by one tensor copy op (9 column blocks), each KV half by
// this thread's row pieces, no NVVM copy yet.
// LEVEL4: ws.warp_specialize
// LEVEL4: role "producer"
// LEVEL4-NOT: nvvm.cp.async
// LEVEL4: sparse_mla_tile.tma_load %{{.*}} barrier(%{{.*}}) {evict_first, layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>}
// LEVEL4-NOT: nvvm.cp.async
// LEVEL4: sparse_mla_tile.copy_row_async %{{.*}} into %{{.*}} bytes(%{{.*}}) {col_begin = 0 : i64, col_end = 256 : i64, layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>}
// LEVEL4-NOT: nvvm.cp.async.shared
// LEVEL4: role "consumer0"
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 256 : i64, transpose_b, zero_init} : !llvm.struct<({{(f32, ){31}f32}})>
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {{{.*}}k_offset = 256 : i64, k_size = 320 : i64, transpose_b}
// LEVEL4: sparse_mla_tile.mma_wait %{{.*}} : !llvm.struct<({{(f32, ){31}f32}})>
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a({{(%[0-9]+, ){31}%[0-9]+}} : {{(f32, ){31}f32}}), b(%{{.*}}) {b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 64 : i64} : !llvm.struct<({{(f32, ){127}f32}})>
// Consumer 0's P tile goes to shared memory after its own product.
// LEVEL4: sparse_mla_tile.store_fragment {{.*}} {layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 128>}
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {a_layout = #sparse_mla_tile.shared<rows = 64, cols = 64, swizzle = 128>, b_layout = #sparse_mla_tile.shared<rows = 64, cols = 576, swizzle = 128>, k_offset = 0 : i64, k_size = 64 : i64} : !llvm.struct<({{(f32, ){127}f32}})>
// Consumer 1: the R half first, O columns [256, 512).
// LEVEL4: role "consumer1"
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {{{.*}}k_offset = 256 : i64, k_size = 320 : i64, transpose_b, zero_init}
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {{{.*}}k_offset = 0 : i64, k_size = 256 : i64, transpose_b}
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a({{(%[0-9]+, ){31}%[0-9]+}} : {{(f32, ){31}f32}}), b(%{{.*}}) {{{.*}}n_offset = 256 : i64}
// LEVEL4: sparse_mla_tile.mma_async %{{.*}}, a(%{{.*}} : i32), b(%{{.*}}) {{{.*}}n_offset = 256 : i64}
// LEVEL4-NOT: hopper.wgmma

// The accumulators are threaded through SSA: S (32 f32 per thread) leaves
// its wait, the P fragment (16 i32) and O (128 f32) go through the
// register-A GEMM's fence, O leaves each wait; no NVVM wgmma op yet.
// No proxy fence is placed by this pass (ws-insert-proxy-fences does, the
// main checks below).
// TIES-NOT: nvvm.wgmma
// TIES-NOT: nvvm.fence
// TIES: hopper.wgmma_wait 0, %{{.*}} : !llvm.struct<({{(f32, ){31}f32}})>
// TIES: hopper.wgmma_fence({{(%[0-9]+, ){16}%[0-9]+}}) : {{(i32, ){16}!llvm}}.struct<({{(f32, ){127}f32}})>
// TIES: hopper.wgmma_wait 0, %{{.*}} : !llvm.struct<({{(f32, ){127}f32}})>
// TIES-NOT: nvvm.wgmma
// TIES-NOT: nvvm.fence

// Lowered, each is held in place around its wait or fence by one empty asm
// that ties every register (no asm per register).
// PINS-NOT: "=f,0"
// PINS: nvvm.wgmma.wait.group.sync.aligned 0
// PINS-NEXT: llvm.extractvalue
// PINS: llvm.inline_asm has_side_effects "", "{{(=f,){31}=f}},0,1,{{.*}},31" {{.*}} -> !llvm.struct<({{(f32, ){31}f32}})>
// PINS-NOT: "=f,0"
// PINS: llvm.inline_asm has_side_effects "", "{{(=r,){16}(=f,){127}=f}},0,1,{{.*}},143" {{.*}} -> !llvm.struct<({{(i32, ){16}(f32, ){127}f32}})>
// PINS-NEXT: llvm.extractvalue
// PINS-NOT: "=f,0"
// PINS: nvvm.wgmma.fence.aligned
// PINS: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// PINS: nvvm.wgmma.wait.group.sync.aligned 0
// PINS: llvm.inline_asm has_side_effects "", "{{(=f,){127}=f}},0,1,{{.*}},127"
// PINS-NOT: "=f,0"

// The seesaw protocol of docs/seesaw-lowering.md, pinned on a small op
// (H = 64, one kv group, topk = 256: two rounds of two 64-key blocks), one
// CTA per tile (`persistent = false`; the persistent kernel's tile loop is
// pinned in convert-sparse-mla-seesaw-to-gpu-persistent.mlir).

// Host: Q's tensor map (64 columns x 64 heads per box, 128-byte swizzle) is
// the kernel's last parameter; 384 threads, 231,040 bytes of shared memory.
// CHECK-LABEL: func.func @seesaw
// CHECK: %[[MAP:.*]] = sparse_mla.tensor_map %arg0 box [64, 64, 1, 1] swizzle(128) : memref<?x?x64x576xbf16> -> !llvm.ptr
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_seesaw
// CHECK-SAME: threads in (%c384{{.*}}) dynamic_shared_memory_size %c231168_i32 args(
// CHECK-SAME: %[[MAP]] : !llvm.ptr)
// CHECK-SAME: params = ["q", "kv", "indices", "q_start", "out", "lse", "scale_log2", "q_map"]

// The map is passed by value: argument 55 of the lowered signature (memrefs
// expand to 3 + 2 x rank values; then q_start and scale_log2).
// CHECK: gpu.func @sparse_mla_fwd_seesaw(
// CHECK-SAME: %{{.*}}: !llvm.ptr) kernel attributes {known_block_size = array<i32: 384, 1, 1>
// CHECK-SAME: sparse_mla.by_value_params = array<i64: 55>

// Channels (two mbarriers each): the four KV halves (L0, R0, L1, R1), each
// freed by one consumer (128 arrivals); Q (read by both consumers); then
// max0, max1, p0, p1 between the consumers.
// Their 18 mbarriers sit at bytes 0..143 of shared memory, below the
// statistics exchange (byte 256).
// CHECK: %[[SMEM:.*]] = gpu.dynamic_shared_memory
// CHECK: memref.view %[[SMEM]][%c0{{.*}}][] {{.*}} to memref<2xi64
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c16{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c32{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c48{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c64{{.*}}][]
// CHECK-NEXT: producers(128) consumers(256)
// CHECK: memref.view %[[SMEM]][%c80{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c96{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c112{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %[[SMEM]][%c128{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: ws.warp_specialize

// Producer (warpgroup 0, 40 registers): Q by TMA, one thread, 9 boxes on the
// Q channel's full barrier, whose release announces 64 x 576 x 2 bytes.
// CHECK: role "producer" warps(4) regs(40) ({{.*}}%[[L0:[a-z0-9_]+]]: !ws.channel<1>, %[[R0:[a-z0-9_]+]]: !ws.channel<1>, %[[L1:[a-z0-9_]+]]: !ws.channel<1>, %[[R1:[a-z0-9_]+]]: !ws.channel<1>, %[[Q:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: memref<2xi64
// CHECK: %[[QS:.*]], %[[QT:.*]] = ws.channel.acquire producer %[[Q]]
// CHECK-NEXT: ws.channel.release producer %[[Q]][%[[QS]]], %[[QT]] tx(73728)
// Q is read once: an L2 evict-first policy on its copies.
// CHECK: %[[EVICT:.*]] = llvm.inline_asm has_side_effects "createpolicy.fractional.L2::evict_first.b64 $0, 1.0;"
// CHECK-COUNT-9: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}} box[{{.*}}] l2_cache_hint = %[[EVICT]]
// Per round, first the indices of this thread's rows of both blocks (4 + 4
// loads, before any wait), then the halves roughly in the order their
// consumers free them: L0 and R1 with those indices, R0 and L1 after loading
// their block's again; each row in 16-byte cp.async pieces (zero-filled when
// the entry is invalid), handed over by cp.async.mbarrier.arrive.noinc.
// CHECK: scf.for
// CHECK-COUNT-8: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.acquire producer %[[L0]]
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.release producer %[[L0]][{{.*}}], %{{.*}} async
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.acquire producer %[[R1]]
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.release producer %[[R1]][{{.*}}], %{{.*}} async
// CHECK-COUNT-4: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.acquire producer %[[R0]]
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.release producer %[[R0]][{{.*}}], %{{.*}} async
// CHECK-COUNT-4: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.acquire producer %[[L1]]
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: ws.channel.release producer %[[L1]][{{.*}}], %{{.*}} async
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: ws.role_return

// Consumer 0 (blocks 2i, columns 0..255 of O).
// CHECK: role "consumer0" warps(4) regs(232) ({{.*}}%[[AL0:[a-z0-9_]+]]: !ws.channel<1>, %[[AR0:[a-z0-9_]+]]: !ws.channel<1>, %[[AL1:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %[[AQ:[a-z0-9_]+]]: !ws.channel<1>, %[[AMAX0:[a-z0-9_]+]]: !ws.channel<1>, %[[AMAX1:[a-z0-9_]+]]: !ws.channel<1>, %[[AP0:[a-z0-9_]+]]: !ws.channel<1>, %[[AP1:[a-z0-9_]+]]: !ws.channel<1>
// CHECK: ws.channel.acquire consumer %[[AQ]]
// The first round's validity (16 index loads per thread) before the loop;
// each round's mask is carried in, so none is loaded before its KV waits
// (whose proxy fences would wait for the loads).
// CHECK-COUNT-16: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c2{{.*}} iter_args
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// 1. S = Q K^T, L half first: a reader-side acquire proxy fence (generic to
// async, shared memory only: no MEMBAR) after each half's wait (cp.async
// writes through the generic proxy), 4 + 5 column blocks of 4 k-steps, both
// operands K-major from shared memory, then one wait. No bidirectional
// proxy fence anywhere in the kernel.
// CHECK-NOT: nvvm.fence.proxy {
// CHECK: ws.channel.acquire consumer %[[AL0]][%[[I]]]
// CHECK-NEXT: nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
// CHECK: hopper.wgmma_fence
// CHECK-NEXT: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} zero_init : !llvm.struct<({{(f32, ){31}f32}})>
// CHECK-COUNT-15: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} : !llvm.struct<({{(f32, ){31}f32}})>
// CHECK: hopper.wgmma_commit
// CHECK-NEXT: ws.channel.acquire consumer %[[AR0]][%[[I]]]
// CHECK-NEXT: nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
// CHECK-COUNT-20: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} : !llvm.struct<({{(f32, ){31}f32}})>
// CHECK: hopper.wgmma_commit
// CHECK-NEXT: hopper.wgmma_wait 0,
// 2. The row max is taken on S itself (no per-element multiply) and scaled
// once per row after the reduction over the row's four lanes.
// CHECK-NOT: arith.mulf
// CHECK: gpu.shuffle  xor
// CHECK-NOT: arith.mulf
// CHECK: gpu.shuffle  xor
// CHECK-NEXT: arith.maximumf
// CHECK-NEXT: arith.mulf
// 3. Consumer 0 publishes its max m0 first.
// CHECK: ws.channel.acquire producer %[[AMAX0]][%[[I]]]
// CHECK: ws.channel.release producer %[[AMAX0]]
// Its pivot for its own block is the one it carried in (the loop's first
// iter_arg, a row's other pivot likewise), unless that is -inf (a row's
// first valid max: m0 itself) or m0 exceeds it by more than 32 (m0 - 32).
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpf oeq, %[[CARRIED:arg[0-9]+]], %{{.*}} : f32
// CHECK-NEXT: %[[SPAN:.*]] = arith.constant 3.200000e+01 : f32
// CHECK-NEXT: %[[FLOOR:.*]] = arith.subf %[[M0:[0-9]+]], %[[SPAN]] : f32
// CHECK-NEXT: %[[KEPT:.*]] = arith.maximumf %[[CARRIED]], %[[FLOOR]] : f32
// CHECK-NEXT: arith.select %[[FIRST]], %[[M0]], %[[KEPT]] : f32
// Its weights: each is exp2 of one fma (S x scale - pivot).
// CHECK-COUNT-32: math.fma %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// 4. O_0 += P_0 V_0[:, 0:256] with P_0 from registers (inline-asm RS
// wgmma, V MN-major), issued before the peer's max is known. O_0 is not
// rescaled first: no multiply between the weights and the GEMM.
// CHECK-NOT: arith.mulf
// CHECK: hopper.wgmma_fence
// CHECK-COUNT-4: hopper.wgmma_rs {{.*}} b_mn_major : !llvm.struct<({{(f32, ){127}f32}})>
// CHECK: hopper.wgmma_commit
// 5. Then m' from consumer 1.
// CHECK-NEXT: ws.channel.acquire consumer %[[AMAX1]][%[[I]]]
// CHECK: ws.channel.release consumer %[[AMAX1]]
// 6. P_0 (rescaled) into the RoPE slice: the warpgroup's barrier, then the
// release (no writer-side proxy fence: the reader fences).
// CHECK: ws.channel.acquire producer %[[AP0]][%[[I]]]
// CHECK: llvm.store
// CHECK-NOT: nvvm.fence
// CHECK: gpu.barrier
// CHECK-NEXT: ws.channel.release producer %[[AP0]]
// The own GEMM landed: L0 goes back to the producer, then O_0 is brought
// to m' (one multiply per O register).
// CHECK-NEXT: hopper.wgmma_wait 0,
// CHECK-NOT: arith.mulf
// CHECK: ws.channel.release consumer %[[AL0]]
// CHECK-COUNT-128: arith.mulf
// CHECK-NOT: arith.mulf
// 7. O_0 += P_1 V_1[:, 0:256], both from shared memory, written through
// the generic proxy (st.shared, cp.async): the acquire proxy fence first.
// CHECK: ws.channel.acquire consumer %[[AL1]][%[[I]]]
// CHECK-NEXT: ws.channel.acquire consumer %[[AP1]][%[[I]]]
// CHECK-NEXT: nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
// CHECK: hopper.wgmma_fence
// CHECK-COUNT-4: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} b_mn_major : !llvm.struct<({{(f32, ){127}f32}})>
// CHECK: hopper.wgmma_commit
// The next round's validity is loaded while the cross GEMM runs.
// CHECK-COUNT-16: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK-NOT: llvm.load {{.*}} : !llvm.ptr<1> -> i32
// CHECK: hopper.wgmma_wait 0,
// CHECK: ws.channel.release consumer %[[AP1]]
// CHECK-NEXT: ws.channel.release consumer %[[AL1]]
// Epilogue: row sums through the max channels at iteration 2 (the number of
// rounds); consumer 0 writes lse.
// CHECK: ws.channel.acquire producer %[[AMAX0]][%c2
// CHECK: ws.channel.acquire consumer %[[AMAX1]][%c2
// out: where its rows are 16-byte aligned, the four lanes of a row trade
// bf16 pairs (three xor shuffles per piece) and each stores 16 bytes;
// otherwise 2-byte stores.
// CHECK: scf.if
// CHECK: gpu.shuffle  xor
// Streaming (.cs) stores: out is not read back.
// CHECK: llvm.inline_asm has_side_effects "st.global.cs.v4.b32 [$0], {$1, $2, $3, $4};", "l,r,r,r,r"
// CHECK: } else {
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<?x?x64x512xbf16
// CHECK: math.log2
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<?x?x64xf32
// CHECK: ws.role_return

// Consumer 1 (blocks 2i + 1, columns 256..511): R half first, waits for m0,
// publishes m', writes P_1 to its own buffer before issuing its own GEMM
// (the P tile is final: consumer 0's cross GEMM need not wait for that
// GEMM), frees R1 after its own GEMM and R0 after the cross one.
// CHECK: role "consumer1" warps(4) regs(232) ({{.*}}%{{[a-z0-9_]+}}: !ws.channel<1>, %[[BR0:[a-z0-9_]+]]: !ws.channel<1>, %[[BL1:[a-z0-9_]+]]: !ws.channel<1>, %[[BR1:[a-z0-9_]+]]: !ws.channel<1>, %[[BQ:[a-z0-9_]+]]: !ws.channel<1>, %[[BMAX0:[a-z0-9_]+]]: !ws.channel<1>, %[[BMAX1:[a-z0-9_]+]]: !ws.channel<1>, %[[BP0:[a-z0-9_]+]]: !ws.channel<1>, %[[BP1:[a-z0-9_]+]]: !ws.channel<1>
// CHECK: ws.channel.acquire consumer %[[BQ]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c2{{.*}} iter_args
// CHECK: ws.channel.acquire consumer %[[BR1]][%[[J]]]
// CHECK-COUNT-20: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}{{( zero_init)?}} :
// CHECK: ws.channel.acquire consumer %[[BL1]][%[[J]]]
// CHECK-COUNT-16: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} :
// CHECK: hopper.wgmma_wait 0,
// CHECK: ws.channel.acquire consumer %[[BMAX0]][%[[J]]]
// CHECK: ws.channel.acquire producer %[[BMAX1]][%[[J]]]
// CHECK-NOT: hopper.wgmma_rs
// CHECK: ws.channel.acquire producer %[[BP1]][%[[J]]]
// CHECK-NOT: hopper.wgmma_rs
// CHECK-NOT: nvvm.fence
// CHECK: gpu.barrier
// CHECK-NEXT: ws.channel.release producer %[[BP1]]
// CHECK-COUNT-4: hopper.wgmma_rs {{.*}} b_mn_major : !llvm.struct<({{(f32, ){127}f32}})>
// CHECK: hopper.wgmma_wait 0,
// CHECK: ws.channel.release consumer %[[BR1]]
// CHECK-NEXT: ws.channel.acquire consumer %[[BR0]][%[[J]]]
// CHECK-NEXT: ws.channel.acquire consumer %[[BP0]][%[[J]]]
// CHECK-NEXT: nvvm.fence.proxy.sync_restrict {order = #nvvm.mem_order<acquire>}
// CHECK-COUNT-4: hopper.wgmma %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}} b_mn_major
// CHECK: ws.channel.release consumer %[[BP0]]
// CHECK-NEXT: ws.channel.release consumer %[[BR0]]
// CHECK: ws.role_return
func.func @seesaw(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                  %idx: memref<?x?x1x256xi32>, %qs: i32,
                  %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = true,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], carried_pivot = true>}
  return
}
