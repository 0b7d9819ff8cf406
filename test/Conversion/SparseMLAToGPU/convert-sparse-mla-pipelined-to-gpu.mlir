// RUN: sparse-mla-opt %s --convert-sparse-mla-simple-to-gpu | FileCheck %s

// The pipelined schedule at level 3: the simple kernel's math in a consumer
// role, fed through a 2-slot channel (the KV ring) by a producer role. The
// channel's lowering to mbarriers is tested in
// ../ChannelsToNVVM/convert-ws-channels-to-nvvm.mlir.

// 256 threads (two warpgroups); shared memory = the simple layout with a
// 2-slot ring of rows padded to Dqk + 8 (16-byte aligned), plus 4 mbarriers.
// CHECK-LABEL: func.func @small
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_pipelined
// CHECK-SAME: threads in (%[[C256:.*]], %{{.*}}, %{{.*}})
// CHECK-SAME: block = array<i64: 256, 1, 1>
// CHECK-SAME: entry = "sparse_mla_fwd_pipelined"

// CHECK: gpu.func @sparse_mla_fwd_pipelined
// The ring's channel: 2 slots, 128 producer and 128 consumer threads, its 4
// barriers at the end of the shared-memory layout.
// CHECK: %[[BARS:.*]] = memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4xi64, #gpu.address_space<workgroup>>
// CHECK: %[[CH:.*]] = ws.channel.create %[[BARS]] producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
// CHECK: ws.warp_specialize ({{.*}}, %[[CH]]) :

// Producer: per block, acquire the slot, copy each row in 16-byte pieces
// (16 bytes when the entry is valid, 0 = zero-fill reading nothing, when
// not) into that slot, release it asynchronously (full once the copies land).
// CHECK: role "producer" warps(4) regs(56) ({{.*}}, %[[PCH:.*]]: !ws.channel<2>)
// CHECK: scf.for %[[BLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[SLOT:.*]], %[[TOK:.*]] = ws.channel.acquire producer %[[PCH]][%[[BLK]]] : !ws.channel<2>
// CHECK: %[[SIXTEEN:.*]] = arith.constant 16 : i32
// CHECK: %[[BYTES:.*]] = arith.select %{{.*}}, %[[SIXTEEN]], %{{.*}} : i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %[[BYTES]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: ws.channel.release producer %[[PCH]][%[[SLOT]]], %[[TOK]] async : !ws.channel<2>
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: ws.role_return

// Consumer: Q tile first (not through the ring), then per block: acquire
// the full slot, the simple math on it (a subview of the ring) behind role
// barriers, release it.
// CHECK: role "consumer" warps(4) regs(232) ({{.*}}, %[[CCH:.*]]: !ws.channel<2>)
// CHECK: gpu.barrier
// CHECK: scf.for %[[CBLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[CSLOT:.*]], %[[CTOK:.*]] = ws.channel.acquire consumer %[[CCH]][%[[CBLK]]] : !ws.channel<2>
// CHECK: memref.subview %{{.*}}[%[[CSLOT]], 0, 0] [1, 32, 72] [1, 1, 1]
// CHECK: gpu.barrier
// CHECK: math.fma
// CHECK: gpu.barrier
// CHECK: math.exp2
// CHECK: gpu.barrier
// CHECK: math.fma
// CHECK: gpu.barrier
// CHECK-NEXT: ws.channel.release consumer %[[CCH]][%[[CSLOT]]], %[[CTOK]] : !ws.channel<2>
// CHECK-NEXT: }
// CHECK: math.log2
// CHECK: ws.role_return
// CHECK: gpu.return

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
