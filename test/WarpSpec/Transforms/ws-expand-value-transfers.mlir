// RUN: sparse-mla-opt %s --ws-expand-value-transfers | FileCheck %s
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(gpu.module(ws-expand-value-transfers,ws-insert-proxy-fences,convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm))" | FileCheck %s --check-prefix=LOWERED --implicit-check-not=fence.proxy
// (ws-value-handoff-ptxas.mlir assembles the kernel below.)

// A kernel that is not attention: a producer warpgroup reduces each of its
// threads' rows of a tile to one value (a row max) and hands it to the
// consumer warpgroup through a value channel of depth 2, which writes it
// out scaled. ws.channel.send / ws.channel.receive are the whole protocol.

// Each send: the producer side of the transfer's slot, the value stored into
// the slot's view at the thread's index, the release.
// CHECK-LABEL: gpu.func @row_max
// CHECK: role "producer"
// CHECK: scf.for %[[T:.*]] =
// CHECK: %[[M:.*]] = scf.for {{.*}} iter_args
// CHECK: arith.maximumf
// CHECK: %[[SLOT:.*]], %[[TOK:.*]], %[[VIEW:.*]] = ws.channel.acquire producer %{{.*}}[%[[T]]] : !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>> -> memref<128xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK-NEXT: memref.store %[[M]], %[[VIEW]][%{{.*}}] : memref<128xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK-NEXT: ws.channel.release producer %{{.*}}[%[[SLOT]]], %[[TOK]] : !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>
// Each receive: the consumer side, the load, the release; the value is used
// after it.
// CHECK: role "consumer"
// CHECK: scf.for %[[CT:.*]] =
// CHECK: %[[CSLOT:.*]], %[[CTOK:.*]], %[[CVIEW:.*]] = ws.channel.acquire consumer %{{.*}}[%[[CT]]] : !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>> -> memref<128xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[V:.*]] = memref.load %[[CVIEW]][%{{.*}}] : memref<128xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK-NEXT: ws.channel.release consumer %{{.*}}[%[[CSLOT]]], %[[CTOK]] : !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[V]], %{{.*}} : f32
// CHECK-NOT: ws.channel.send
// CHECK-NOT: ws.channel.receive

// Lowered: a store into the ring between the producer's wait and its
// arrival, a load between the consumer's wait and its arrival, no proxy
// fence (both sides are generic-proxy accesses), no ws op left.
// LOWERED-LABEL: gpu.func @row_max
// LOWERED: nvvm.mbarrier.try_wait.parity
// LOWERED: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<128xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// LOWERED: nvvm.mbarrier.arrive
// LOWERED: nvvm.mbarrier.try_wait.parity
// LOWERED: memref.load %{{.*}}[%{{.*}}] : memref<128xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
// LOWERED: nvvm.mbarrier.arrive
// LOWERED-NOT: ws.
// LOWERED: gpu.return

gpu.module @value_kernels {
  gpu.func @row_max(%src: memref<?x128x16xf32>, %dst: memref<?x128xf32>, %tiles: index)
      workgroup(%bars: memref<4xi64, #gpu.address_space<workgroup>>,
                %ring: memref<2x128xf32, #gpu.address_space<workgroup>>)
      kernel {
    %ch = ws.channel.create %bars buffer(%ring : memref<2x128xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128)
        : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>
    ws.warp_specialize (%src, %dst, %tiles, %ch)
        : memref<?x128x16xf32>, memref<?x128xf32>, index,
          !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>
      role "producer" warps(4) regs(40)
          (%s: memref<?x128x16xf32>, %d: memref<?x128xf32>, %n: index,
           %c: !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>) {
        %c0 = arith.constant 0 : index
        %c1 = arith.constant 1 : index
        %c16 = arith.constant 16 : index
        %ninf = arith.constant 0xFF800000 : f32
        %lane = gpu.thread_id x
        scf.for %t = %c0 to %n step %c1 {
          %m = scf.for %k = %c0 to %c16 step %c1 iter_args(%acc = %ninf) -> (f32) {
            %v = memref.load %s[%t, %lane, %k] : memref<?x128x16xf32>
            %mx = arith.maximumf %acc, %v : f32
            scf.yield %mx : f32
          }
          ws.channel.send %m to %c[%t] at [%lane] : f32 to !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>
        }
        ws.role_return
      }
      role "consumer" warps(4) regs(232)
          (%s: memref<?x128x16xf32>, %d: memref<?x128xf32>, %n: index,
           %c: !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>>) {
        %c0 = arith.constant 0 : index
        %c1 = arith.constant 1 : index
        %c128 = arith.constant 128 : index
        %half = arith.constant 0.5 : f32
        %tid = gpu.thread_id x
        %lane = arith.subi %tid, %c128 : index
        scf.for %t = %c0 to %n step %c1 {
          %v = ws.channel.receive %c[%t] at [%lane] : !ws.channel<2, memref<2x128xf32, #gpu.address_space<workgroup>>> -> f32
          %w = arith.mulf %v, %half : f32
          memref.store %w, %d[%t, %lane] : memref<?x128xf32>
        }
        ws.role_return
      }
    gpu.return
  }
}

// Two values per transfer, stored only by the lanes where %leader holds
// (every thread still acquires and releases: the arrival count is the
// role's threads), loaded by every thread.
// CHECK-LABEL: func.func @pair_handoff
// CHECK-SAME: (%{{[a-z0-9]+}}: {{.*}}, %{{[a-z0-9]+}}: {{.*}}, %[[I:[a-z0-9]+]]: index, %[[R0:[a-z0-9]+]]: index, %[[R1:[a-z0-9]+]]: index, %[[A:[a-z0-9]+]]: f32, %[[B:[a-z0-9]+]]: f32, %[[LEADER:[a-z0-9]+]]: i1)
// CHECK: %[[PS:.*]], %[[PT:.*]], %[[PV:.*]] = ws.channel.acquire producer %[[CH:.*]][%[[I]]] :
// CHECK-NEXT: scf.if %[[LEADER]] {
// CHECK-NEXT: memref.store %[[A]], %[[PV]][%[[R0]]] :
// CHECK-NEXT: memref.store %[[B]], %[[PV]][%[[R1]]] :
// CHECK-NEXT: }
// CHECK-NEXT: ws.channel.release producer %[[CH]][%[[PS]]], %[[PT]] :
// CHECK-NEXT: %[[CS:.*]], %[[CT:.*]], %[[CV:.*]] = ws.channel.acquire consumer %[[CH]][%[[I]]] :
// CHECK-NEXT: %[[X:.*]] = memref.load %[[CV]][%[[R0]]] :
// CHECK-NEXT: %[[Y:.*]] = memref.load %[[CV]][%[[R1]]] :
// CHECK-NEXT: ws.channel.release consumer %[[CH]][%[[CS]]], %[[CT]] :
// CHECK-NEXT: arith.addf %[[X]], %[[Y]] : f32
func.func @pair_handoff(%bars: memref<2xi64, #gpu.address_space<workgroup>>,
                        %ring: memref<1x64xf32, #gpu.address_space<workgroup>>,
                        %i: index, %r0: index, %r1: index, %a: f32, %b: f32,
                        %leader: i1) -> f32 {
  %ch = ws.channel.create %bars buffer(%ring : memref<1x64xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
  ws.channel.send %a, %b to %ch[%i] at [%r0], [%r1] if %leader : f32, f32 to !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>>
  %x, %y = ws.channel.receive %ch[%i] at [%r0], [%r1] : !ws.channel<1, memref<1x64xf32, #gpu.address_space<workgroup>>> -> f32, f32
  %s = arith.addf %x, %y : f32
  return %s : f32
}
