// RUN: sparse-mla-opt %s -split-input-file -allow-unregistered-dialect --convert-ws-channels-to-nvvm -verify-diagnostics | FileCheck %s

// A 2-slot channel between 128 producer and 64 consumer threads, in a kernel
// whose roles are already inlined.
// CHECK-LABEL: gpu.func @ring
// CHECK-SAME: (%[[BARS:.*]]: memref<4xi64, #gpu.address_space<workgroup>>, %[[N:.*]]: index)
// Thread 0 initializes full[s] (128 arrivals) and empty[s] (64 arrivals) for
// each slot, barrier s at byte 8 s; then the whole CTA synchronizes.
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[T0:.*]] = arith.cmpi eq, %[[TID]], %{{.*}} : index
// CHECK: scf.if %[[T0]] {
// CHECK: %[[P:.*]] = arith.constant 128 : i32
// CHECK: %[[C:.*]] = arith.constant 64 : i32
// CHECK: %[[F0:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<3>
// CHECK: nvvm.mbarrier.init %[[F0]], %[[P]] : !llvm.ptr<3>, i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[C]] : !llvm.ptr<3>, i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[P]] : !llvm.ptr<3>, i32
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[C]] : !llvm.ptr<3>, i32
// CHECK: }
// CHECK-NEXT: gpu.barrier
//
// Producer acquire of transfer i: slot i % 2, wait empty[slot] (barrier
// slot + 2) for parity ((i / 2) & 1) ^ 1.
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} {
// CHECK: %[[D:.*]] = arith.constant 2 : index
// CHECK: %[[SLOT:.*]] = arith.remui %[[I]], %[[D]] : index
// CHECK: %[[ROUND:.*]] = arith.divui %[[I]], %[[D]] : index
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[PAR:.*]] = arith.andi %[[ROUND]], %[[ONE]] : index
// CHECK: %[[FLIP:.*]] = arith.xori %[[PAR]], %[[ONE]] : index
// CHECK: %[[PHASE:.*]] = arith.index_cast %[[FLIP]] : index to i32
// CHECK: %[[EMPTY:.*]] = arith.addi %[[SLOT]], %[[D]] : index
// CHECK: %[[EIDX:.*]] = arith.muli %[[EMPTY]], %{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PHASE]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: "test.fill"(%[[SLOT]])
// Async producer release: the arrival on full[slot] lands with the copies.
// CHECK: %[[FIDX:.*]] = arith.muli %[[SLOT]], %{{.*}} : index
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
// Consumer acquire: wait full[slot] for parity (i / 2) & 1, no flip.
// CHECK: %[[CSLOT:.*]] = arith.remui %[[I]], %{{.*}} : index
// CHECK: %[[CROUND:.*]] = arith.divui %[[I]], %{{.*}} : index
// CHECK: %[[CPAR:.*]] = arith.andi %[[CROUND]], %{{.*}} : index
// CHECK-NEXT: %[[CPHASE:.*]] = arith.index_cast %[[CPAR]] : index to i32
// CHECK: %[[FULL:.*]] = arith.muli %[[CSLOT]], %{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[CPHASE]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK: "test.drain"(%[[CSLOT]])
// Consumer release: arrive on empty[slot].
// CHECK: %[[REL:.*]] = arith.addi %[[CSLOT]], %{{.*}} : index
// CHECK: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NOT: ws.
gpu.module @k {
  gpu.func @ring(%bars: memref<4xi64, #gpu.address_space<workgroup>>, %n: index) kernel {
    %ch = ws.channel.create %bars producers(128) consumers(64)
        : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %n step %c1 {
      %slot, %tok = ws.channel.acquire producer %ch[%i] : !ws.channel<2>
      "test.fill"(%slot) : (index) -> ()
      ws.channel.release producer %ch[%slot], %tok async : !ws.channel<2>
      %cslot, %ctok = ws.channel.acquire consumer %ch[%i] : !ws.channel<2>
      "test.drain"(%cslot) : (index) -> ()
      ws.channel.release consumer %ch[%cslot], %ctok : !ws.channel<2>
    }
    gpu.return
  }
}

// -----

// A channel still captured by roles cannot be lowered yet.
gpu.module @k {
  gpu.func @captured(%bars: memref<2xi64, #gpu.address_space<workgroup>>) kernel {
    // expected-error @+1 {{is still used (by a ws.warp_specialize capture?); lower the roles first}}
    %ch = ws.channel.create %bars producers(128) consumers(128)
        : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
    ws.warp_specialize (%ch) : !ws.channel<1>
      role "a" warps(4) regs(72) (%c: !ws.channel<1>) {
        ws.role_return
      }
    gpu.return
  }
}

// -----

// A release announcing transaction bytes (a TMA copy completes on the slot's
// full barrier): every thread arrives with expect_tx, the first thread of
// each warpgroup announcing the bytes and the others 0 (a plain arrival), in
// one instruction and without a branch.
// CHECK-LABEL: gpu.func @tx
gpu.module @k {
  gpu.func @tx(%bars: memref<2xi64, #gpu.address_space<workgroup>>) kernel {
    %ch = ws.channel.create %bars producers(128) consumers(256)
        : memref<2xi64, #gpu.address_space<workgroup>> -> !ws.channel<1>
    %c0 = arith.constant 0 : index
    // CHECK: nvvm.mbarrier.try_wait.parity
    // CHECK: %[[FULL:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<3>
    // CHECK: %[[TID:.*]] = gpu.thread_id x
    // CHECK: %[[WG:.*]] = arith.constant 128 : index
    // CHECK: %[[LANE:.*]] = arith.remui %[[TID]], %[[WG]] : index
    // CHECK: %[[LEAD:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
    // CHECK-DAG: %[[TX:.*]] = arith.constant 73728 : i32
    // CHECK-DAG: %[[NONE:.*]] = arith.constant 0 : i32
    // CHECK: %[[BYTES:.*]] = arith.select %[[LEAD]], %[[TX]], %[[NONE]] : i32
    // CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx %[[FULL]], %[[BYTES]] : !llvm.ptr<3>, i32
    // CHECK-NOT: scf.if
    // CHECK-NOT: nvvm.mbarrier.arrive %
    %slot, %tok = ws.channel.acquire producer %ch[%c0] : !ws.channel<1>
    ws.channel.release producer %ch[%slot], %tok tx(73728) : !ws.channel<1>
    // Both consumer warpgroups wait for phase 0 of the full barrier.
    // CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %{{.*}}, %{{.*}} : !llvm.ptr<3>, i32, i32
    %cslot, %ctok = ws.channel.acquire consumer %ch[%c0] : !ws.channel<1>
    gpu.return
  }
}

// -----

// A channel that owns its buffer: the acquire's view becomes the subview of
// the acquired slot (iteration mod depth) of the buffer.
// CHECK-LABEL: gpu.func @owning
// CHECK-SAME: (%[[BARS:.*]]: memref<4xi64, #gpu.address_space<workgroup>>, %[[RING:.*]]: memref<2x8x16xf32, #gpu.address_space<workgroup>>, %[[I:.*]]: index)
// CHECK: %[[SLOT:.*]] = arith.remui %[[I]], %{{.*}} : index
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: %[[VIEW:.*]] = memref.subview %[[RING]][%[[SLOT]], 0, 0] [1, 8, 16] [1, 1, 1] : memref<2x8x16xf32, #gpu.address_space<workgroup>> to memref<8x16xf32, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK: "use"(%[[VIEW]])
gpu.module @k {
  gpu.func @owning(%bars: memref<4xi64, #gpu.address_space<workgroup>>,
                   %ring: memref<2x8x16xf32, #gpu.address_space<workgroup>>,
                   %i: index) kernel {
    %ch = ws.channel.create %bars buffer(%ring : memref<2x8x16xf32, #gpu.address_space<workgroup>>) producers(128) consumers(128) : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>>
    %s, %t, %v = ws.channel.acquire consumer %ch[%i] : !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>> -> memref<8x16xf32, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>
    "use"(%v) : (memref<8x16xf32, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>) -> ()
    ws.channel.release consumer %ch[%s], %t : !ws.channel<2, memref<2x8x16xf32, #gpu.address_space<workgroup>>>
    gpu.return
  }
}
