// RUN: sparse-mla-opt %s --pass-pipeline='builtin.module(convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-partition-pipelined)))' | FileCheck %s
// RUN: sparse-mla-opt %s --pass-pipeline='builtin.module(convert-sparse-mla-to-tiles,gpu.module(gpu.func(sparse-mla-tile-partition-pipelined,sparse-mla-tile-barriers,convert-sparse-mla-tiles-to-simt)),ws-assign-shared-memory)' | FileCheck %s --check-prefix=LOWERED

// The pipelined schedule at level 3, from the tile program every schedule
// shares: the gather moves to a producer role that fills a 2-slot channel
// (the KV ring); every other tile op runs in a consumer role on the slot it
// acquired. The channel's lowering to mbarriers is tested in
// ../../WarpSpec/Conversion.

// CHECK-LABEL: gpu.func @sparse_mla_fwd_pipelined
// CHECK-NOT: sparse_mla_tile.pipeline_regs
// The channel owns the ring (the acquires return their slot's view); its 4
// barriers are a new workgroup buffer; the other tiles are captured.
// CHECK: %[[RING:.*]] = memref.alloc() : memref<2x32x72xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[BARS:.*]] = memref.alloc() : memref<4xi64, #gpu.address_space<workgroup>>
// CHECK: %[[CH:.*]] = ws.channel.create %[[BARS]] buffer(%[[RING]] : memref<2x32x72xbf16, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>>
// CHECK-NOT: ws.warp_specialize ({{.*}}%[[RING]]
// CHECK: ws.warp_specialize ({{.*}}, %[[CH]]) :
// Producer: the coordinates recomputed in the role, then per block: the
// slot, the block's rows, the gather into that slot (async), the release.
// CHECK: role "producer" warps(4) regs(56) ({{.*}}, %[[PCH:.*]]: !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>>)
// CHECK: gpu.block_id x
// CHECK-NOT: sparse_mla_tile.load
// CHECK: scf.for %[[BLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: %[[SLOT:.*]], %[[TOK:.*]], %[[PVIEW:.*]] = ws.channel.acquire producer %[[PCH]][%[[BLK]]] : !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>> -> memref<32x72xbf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[PTILE:.*]] = memref.subview %[[PVIEW]][0, 0] [32, 64] [1, 1]
// CHECK-NEXT: %[[ROWS:.*]] = sparse_mla_tile.block_rows {{.*}} block %[[BLK]]
// CHECK-NEXT: sparse_mla_tile.gather {{.*}} rows(%[[ROWS]]) into %[[PTILE]] async
// CHECK-NEXT: ws.channel.release producer %[[PCH]][%[[SLOT]]], %[[TOK]] async : !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>>
// CHECK-NEXT: }
// CHECK-NEXT: ws.role_return
// Consumer: the Q tile and the cleared state, then per block the rest of
// the program on the acquired slot, released at the end of the iteration.
// CHECK: role "consumer" warps(4) regs(232) ({{.*}}, %[[CCH:.*]]: !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>>)
// CHECK: sparse_mla_tile.load
// CHECK: sparse_mla_tile.fill
// CHECK: scf.for %[[CBLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: %[[CSLOT:.*]], %[[CTOK:.*]], %[[CVIEW:.*]] = ws.channel.acquire consumer %[[CCH]][%[[CBLK]]] : !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>> -> memref<32x72xbf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[CTILE:.*]] = memref.subview %[[CVIEW]][0, 0] [32, 64] [1, 1]
// CHECK-NEXT: %[[CROWS:.*]] = sparse_mla_tile.block_rows {{.*}} block %[[CBLK]]
// CHECK-NOT: sparse_mla_tile.gather
// CHECK-NEXT: sparse_mla_tile.matmul %{{.*}}, %[[CTILE]] transpose_b {{.*}} mask(%[[CROWS]]
// CHECK-NEXT: sparse_mla_tile.softmax_step
// CHECK-NEXT: sparse_mla_tile.matmul %{{.*}}, %[[CTILE]] into
// CHECK-NEXT: ws.channel.release consumer %[[CCH]][%[[CSLOT]]], %[[CTOK]] : !ws.channel<2, memref<2x32x72xbf16, #gpu.address_space<workgroup>>>
// CHECK-NEXT: }
// CHECK-NEXT: sparse_mla_tile.finish
// CHECK-NEXT: ws.role_return
// CHECK: gpu.return

// Lowered: 256 threads (two warpgroups); shared memory = the simple layout
// with a 2-slot ring of rows padded to Dqk + 8 (16-byte aligned), plus 4
// mbarriers.
// LOWERED-LABEL: func.func @small
// LOWERED: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_pipelined
// LOWERED-SAME: threads in (%[[C256:.*]], %{{.*}}, %{{.*}})
// LOWERED-SAME: block = array<i64: 256, 1, 1>
// LOWERED-SAME: entry = "sparse_mla_fwd_pipelined"

// LOWERED: gpu.func @sparse_mla_fwd_pipelined
// The ring's channel: 2 slots, 128 producer and 128 consumer threads, its 4
// barriers in shared memory (ws-assign-shared-memory).
// LOWERED: %[[BARS:.*]] = memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4xi64, #gpu.address_space<workgroup>>
// LOWERED: %[[CH:.*]] = ws.channel.create %[[BARS]] buffer(%{{.*}}) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, {{.*}}>
// LOWERED: ws.warp_specialize ({{.*}}, %[[CH]]) :

// Producer: per block, acquire the slot, copy each row in 16-byte pieces
// (16 bytes when the entry is valid, 0 = zero-fill reading nothing, when
// not) into that slot, release it asynchronously (full once the copies land).
// LOWERED: role "producer" warps(4) regs(56) ({{.*}}, %[[PCH:.*]]: !ws.channel<2, {{.*}}>)
// LOWERED: scf.for %[[BLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// LOWERED: %[[SLOT:.*]], %[[TOK:.*]], %{{.*}} = ws.channel.acquire producer %[[PCH]][%[[BLK]]] : !ws.channel<2, {{.*}}>
// LOWERED: %[[SIXTEEN:.*]] = arith.constant 16 : i32
// LOWERED: %[[BYTES:.*]] = arith.select %{{.*}}, %[[SIXTEEN]], %{{.*}} : i32
// LOWERED: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %[[BYTES]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// LOWERED: ws.channel.release producer %[[PCH]][%[[SLOT]]], %[[TOK]] async : !ws.channel<2, {{.*}}>
// LOWERED: nvvm.cp.async.commit.group
// LOWERED-NEXT: nvvm.cp.async.wait.group 0
// LOWERED-NEXT: ws.role_return

// Consumer: Q tile first (not through the ring), then per block: acquire
// the full slot, the simple math on it (a subview of the ring) behind role
// barriers, release it.
// LOWERED: role "consumer" warps(4) regs(232) ({{.*}}, %[[CCH:.*]]: !ws.channel<2, {{.*}}>)
// LOWERED: gpu.barrier
// LOWERED: scf.for %[[CBLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// LOWERED: %[[CSLOT:.*]], %[[CTOK:.*]], %{{.*}} = ws.channel.acquire consumer %[[CCH]][%[[CBLK]]] : !ws.channel<2, {{.*}}>
// LOWERED: memref.subview %{{.*}}[0, 0] [32, 64] [1, 1]
// LOWERED: gpu.barrier
// LOWERED: math.fma
// LOWERED: gpu.barrier
// LOWERED: math.exp2
// LOWERED: gpu.barrier
// LOWERED: math.fma
// LOWERED: gpu.barrier
// LOWERED-NEXT: ws.channel.release consumer %[[CCH]][%[[CSLOT]]], %[[CTOK]] : !ws.channel<2, {{.*}}>
// LOWERED-NEXT: }
// LOWERED: math.log2
// LOWERED: ws.role_return
// LOWERED: gpu.return

func.func @small(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                 %idx: memref<?x?x2x40xi32>, %qs: i32,
                 %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {kv_stride = 2 : i64, sm_scale = 0.125 : f32,
                  schedule = #sparse_mla.schedule<pipelined, heads_per_cta = 2, block_k = 32, stages = 2, warpgroups = 2, regs = [56, 232]>}
  return
}
