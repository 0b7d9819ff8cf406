// RUN: sparse-mla-opt %s --convert-sparse-mla-simple-to-gpu | FileCheck %s

// The pipelined schedule: the simple kernel's math in a consumer role, fed
// through a 2-stage shared-memory ring by a producer role. Pins the
// synchronization protocol: barrier counts, which role waits on which
// barrier with which parity, zero-filling copies, deferred arrivals.

// 256 threads (two warpgroups); shared memory = the simple layout with a
// 2-stage ring of rows padded to Dqk + 8 (16-byte aligned), plus 4 mbarriers.
// CHECK-LABEL: func.func @small
// CHECK: gpu.launch_func @sparse_mla_kernels::@sparse_mla_fwd_pipelined
// CHECK-SAME: threads in (%[[C256:.*]], %{{.*}}, %{{.*}})
// CHECK-SAME: block = array<i64: 256, 1, 1>
// CHECK-SAME: entry = "sparse_mla_fwd_pipelined"

// CHECK: gpu.func @sparse_mla_fwd_pipelined
// Thread 0 initializes full[0], empty[0], full[1], empty[1], each expecting
// 128 arrivals (one per thread of the producing / consuming warpgroup), then
// the whole CTA synchronizes before the roles start.
// CHECK: %[[T0:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %[[T0]] {
// CHECK: %[[N:.*]] = arith.constant 128 : i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[N]] : !llvm.ptr<3>, i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[N]] : !llvm.ptr<3>, i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %{{.*}} : !llvm.ptr<3>, i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %{{.*}} : !llvm.ptr<3>, i32
// CHECK: }
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: sparse_mla.warp_specialize

// Producer: per block kb, wait empty[kb % 2] for parity ((kb / 2) & 1) ^ 1
// (a fresh barrier passes: the ring starts empty) ...
// CHECK: role "producer" warps(4) regs(56)
// CHECK: scf.for %[[BLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[STAGE:.*]] = arith.remui %[[BLK]], %[[TWO:.*]] : index
// CHECK: %[[ROUND:.*]] = arith.divui %[[BLK]], %{{.*}} : index
// CHECK: %[[PAR:.*]] = arith.andi %[[ROUND]], %{{.*}} : index
// CHECK: %[[FLIP:.*]] = arith.xori %[[PAR]], %{{.*}} : index
// CHECK: %[[PHASE:.*]] = arith.index_cast %[[FLIP]] : index to i32
// CHECK: %[[EMPTYIDX:.*]] = arith.addi %[[STAGE]], %{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PHASE]], %{{.*}} : !llvm.ptr<3>, i32, i32
// ... copies each row in 16-byte pieces, 16 bytes when the entry is valid
// and 0 (zero-fill, nothing read) when not ...
// CHECK: %[[SIXTEEN:.*]] = arith.constant 16 : i32
// CHECK: %[[BYTES:.*]] = arith.select %{{.*}}, %[[SIXTEEN]], %{{.*}} : i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %[[BYTES]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// ... and arrives on full[kb % 2] once its copies land (no pending-count
// increment: the 128 arrivals are the barrier's expected count).
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: sparse_mla.role_return

// Consumer: Q tile first (no wait: it does not come through the ring) ...
// CHECK: role "consumer" warps(4) regs(232)
// CHECK: gpu.barrier
// ... then per block: wait full[kb % 2] for parity (kb / 2) & 1, the simple
// math on that stage (a subview of the ring), role barriers between steps,
// then arrive on empty[kb % 2].
// CHECK: scf.for %[[CBLK:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[CSTAGE:.*]] = arith.remui %[[CBLK]], %{{.*}} : index
// CHECK: memref.subview %{{.*}}[%[[CSTAGE]], 0, 0] [1, 32, 72] [1, 1, 1]
// CHECK: %[[CROUND:.*]] = arith.divui %[[CBLK]], %{{.*}} : index
// CHECK: %[[CPAR:.*]] = arith.andi %[[CROUND]], %{{.*}} : index
// CHECK-NEXT: %[[CPHASE:.*]] = arith.index_cast %[[CPAR]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[CPHASE]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: gpu.barrier
// CHECK: math.fma
// CHECK: gpu.barrier
// CHECK: math.exp2
// CHECK: gpu.barrier
// CHECK: math.fma
// CHECK: gpu.barrier
// CHECK: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NEXT: }
// CHECK: math.log2
// CHECK: sparse_mla.role_return
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
