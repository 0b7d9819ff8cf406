// RUN: sparse-mla-opt %s --convert-sparse-mla-to-tiles --convert-sparse-mla-seesaw-to-gpu --convert-sparse-mla-tiles-to-hopper | FileCheck %s

// `shared_validity = true`: the producer, which loads every index for its
// copies, hands each block's validity (one byte per key) to the block's
// consumer through shared memory and a channel; the consumers load no index.
// Everything else is the protocol of convert-sparse-mla-seesaw-to-gpu.mlir.

// Two more channels (after the nine of the protocol), one per consumer; the
// validity bytes take 2 x 64 bytes more shared memory (aligned: 231,296).
// CHECK-LABEL: func.func @shared_validity
// CHECK: dynamic_shared_memory_size %c231296_i32
// CHECK: memref.view %{{.*}}[%c144{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)
// CHECK: memref.view %{{.*}}[%c160{{.*}}][]
// CHECK-NEXT: producers(128) consumers(128)

// Producer: with the first half of consumer c's block (L0, then R1) it
// writes that block's 64 validity bytes (four rows per thread, the eight
// threads of a row storing the same byte), then releases the channel.
// CHECK: role "producer" warps(4) regs(40) ({{.*}}%[[L0:[a-z0-9_]+]]: !ws.channel<1>, %[[R0:[a-z0-9_]+]]: !ws.channel<1>, %[[L1:[a-z0-9_]+]]: !ws.channel<1>, %[[R1:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: memref<2xi64, #gpu.address_space<workgroup>>, %[[V0:[a-z0-9_]+]]: !ws.channel<1>, %[[V1:[a-z0-9_]+]]: !ws.channel<1>)
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c2{{.*}} step
// CHECK: ws.channel.acquire producer %[[L0]][%[[I]]]
// CHECK: ws.channel.acquire producer %[[V0]][%[[I]]]
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} : i8, !llvm.ptr<3>
// CHECK-NEXT: ws.channel.release producer %[[V0]]
// CHECK: nvvm.cp.async.shared.global
// CHECK: ws.channel.release producer %[[L0]]{{.*}} async
// CHECK: ws.channel.acquire producer %[[R1]][%[[I]]]
// CHECK: ws.channel.acquire producer %[[V1]][%[[I]]]
// CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} : i8, !llvm.ptr<3>
// CHECK-NEXT: ws.channel.release producer %[[V1]]
// CHECK: ws.channel.release producer %[[R1]]{{.*}} async
// CHECK: ws.channel.acquire producer %[[R0]][%[[I]]]
// CHECK-NOT: ws.channel.acquire producer %[[V0]]
// CHECK: ws.channel.acquire producer %[[L1]][%[[I]]]
// CHECK-NOT: ws.channel.acquire producer %[[V1]]
// CHECK: ws.role_return

// Consumer 0: its block's validity as eight 16-bit shared loads (the
// thread's column pairs), the channel released at once, then the QK^T; no
// global index load anywhere in the role.
// CHECK: role "consumer0" warps(4) regs(232) ({{.*}}%[[AL0:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>, %{{[a-z0-9_]+}}: memref<2xi64, #gpu.address_space<workgroup>>, %[[AV0:[a-z0-9_]+]]: !ws.channel<1>, %{{[a-z0-9_]+}}: !ws.channel<1>)
// CHECK-NOT: memref.load %{{.*}} : memref<?x?x1x256xi32
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %c2{{.*}} step
// CHECK: ws.channel.acquire consumer %[[AV0]][%[[J]]]
// CHECK-COUNT-8: llvm.load %{{.*}} {alignment = 2 : i64} : !llvm.ptr<3> -> i16
// CHECK: ws.channel.release consumer %[[AV0]]
// CHECK: ws.channel.acquire consumer %[[AL0]][%[[J]]]
// CHECK-NOT: memref.load %{{.*}} : memref<?x?x1x256xi32
// CHECK: role "consumer1"
func.func @shared_validity(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                           %idx: memref<?x?x1x256xi32>, %qs: i32,
                           %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {causal = true,
                  schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], shared_validity = true>}
  return
}
