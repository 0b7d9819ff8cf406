// A kernel that is not attention, written with the ws dialect alone: a
// producer warpgroup copies 128-float tiles from global memory into the two
// slots of a depth-2 channel in shared memory, and a consumer warpgroup reads
// each slot back and writes the tile to global memory. Both ws lowerings turn
// it into setmaxnreg branches synchronized by four mbarriers.
// RUN: sparse-mla-opt %s --pass-pipeline="builtin.module(gpu.module(convert-ws-warp-specialize-to-nvvm,convert-ws-channels-to-nvvm))" | FileCheck %s
// (test/WarpSpec/Conversion/ws-copy-kernel-ptxas.mlir assembles it.)

// CHECK-LABEL: gpu.func @copy
// CHECK-SAME: workgroup(%[[BARS:.*]] : memref<4xi64, #gpu.address_space<workgroup>>, %[[SLOTS:.*]] : memref<2x128xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 256, 1, 1>, nvvm.minctasm = 1 : i32}
// Thread 0 initializes full[s] (barrier s, byte 8 s) for the 128 producer
// threads and empty[s] (barrier 2 + s) for the 128 consumer threads; then the
// CTA synchronizes.
// CHECK: scf.if
// CHECK: %[[P:.*]] = arith.constant 128 : i32
// CHECK: %[[C:.*]] = arith.constant 128 : i32
// CHECK: %[[B0:.*]] = arith.constant 0 : index
// CHECK: arith.muli %[[B0]], %{{.*}} : index
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[P]] : !llvm.ptr<3>, i32
// CHECK: %[[B2:.*]] = arith.constant 2 : index
// CHECK: arith.muli %[[B2]], %{{.*}} : index
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[C]] : !llvm.ptr<3>, i32
// CHECK: %[[B1:.*]] = arith.constant 1 : index
// CHECK: arith.muli %[[B1]], %{{.*}} : index
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[P]] : !llvm.ptr<3>, i32
// CHECK: %[[B3:.*]] = arith.constant 3 : index
// CHECK: arith.muli %[[B3]], %{{.*}} : index
// CHECK: nvvm.mbarrier.init %{{.*}}, %[[C]] : !llvm.ptr<3>, i32
// CHECK-NOT: nvvm.mbarrier.init
// CHECK: gpu.barrier
// The producer (threads 0-127) gives registers back, then per tile t waits
// until slot t % 2 is empty (barrier 2 + slot, parity ((t / 2) & 1) ^ 1: the
// first use of each slot passes at once), fills it and arrives on its full
// barrier.
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[PLO:.*]] = arith.constant 0 : index
// CHECK: %[[PHI:.*]] = arith.constant 128 : index
// CHECK: arith.cmpi uge, %[[TID]], %[[PLO]] : index
// CHECK: arith.cmpi ult, %[[TID]], %[[PHI]] : index
// CHECK: scf.if
// CHECK-NEXT: nvvm.setmaxregister decrease 40
// CHECK: scf.for %[[T:.*]] =
// CHECK: %[[DEPTH:.*]] = arith.constant 2 : index
// CHECK: %[[SLOT:.*]] = arith.remui %[[T]], %[[DEPTH]] : index
// CHECK: %[[ROUND:.*]] = arith.divui %[[T]], %[[DEPTH]] : index
// CHECK: %[[PAR:.*]] = arith.andi %[[ROUND]], %{{.*}} : index
// CHECK: %[[FLIP:.*]] = arith.xori %[[PAR]], %{{.*}} : index
// CHECK: %[[PHASE:.*]] = arith.index_cast %[[FLIP]] : index to i32
// CHECK: %[[EMPTY:.*]] = arith.addi %[[SLOT]], %[[DEPTH]] : index
// CHECK: arith.muli %[[EMPTY]], %{{.*}} : index
// CHECK: memref.extract_aligned_pointer_as_index %[[BARS]]
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PHASE]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK-NEXT: %[[V:.*]] = memref.load %{{.*}}[%[[T]], %{{.*}}] : memref<?x128xf32>
// CHECK-NEXT: memref.store %[[V]], %[[SLOTS]][%[[SLOT]], %{{.*}}] : memref<2x128xf32, #gpu.address_space<workgroup>>
// CHECK: arith.muli %[[SLOT]], %{{.*}} : index
// CHECK: memref.extract_aligned_pointer_as_index %[[BARS]]
// CHECK: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NEXT: }
// CHECK-NEXT: }
// The consumer (threads 128-255) waits until slot t % 2 is full (barrier
// slot, parity (t / 2) & 1), copies it out and arrives on its empty barrier.
// CHECK: %[[CLO:.*]] = arith.constant 128 : index
// CHECK: %[[CHI:.*]] = arith.constant 256 : index
// CHECK: arith.cmpi uge, %[[TID]], %[[CLO]] : index
// CHECK: arith.cmpi ult, %[[TID]], %[[CHI]] : index
// CHECK: scf.if
// CHECK-NEXT: nvvm.setmaxregister decrease 232
// CHECK: scf.for %[[CT:.*]] =
// CHECK: %[[CDEPTH:.*]] = arith.constant 2 : index
// CHECK: %[[CSLOT:.*]] = arith.remui %[[CT]], %[[CDEPTH]] : index
// CHECK: %[[CROUND:.*]] = arith.divui %[[CT]], %[[CDEPTH]] : index
// CHECK: %[[CPAR:.*]] = arith.andi %[[CROUND]], %{{.*}} : index
// CHECK-NEXT: %[[CPHASE:.*]] = arith.index_cast %[[CPAR]] : index to i32
// CHECK: arith.muli %[[CSLOT]], %{{.*}} : index
// CHECK: memref.extract_aligned_pointer_as_index %[[BARS]]
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[CPHASE]], %{{.*}} : !llvm.ptr<3>, i32, i32
// CHECK-NEXT: %[[W:.*]] = memref.load %[[SLOTS]][%[[CSLOT]], %{{.*}}] : memref<2x128xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT: memref.store %[[W]], %{{.*}}[%[[CT]], %{{.*}}] : memref<?x128xf32>
// CHECK: %[[CEMPTY:.*]] = arith.addi %[[CSLOT]], %{{.*}} : index
// CHECK: arith.muli %[[CEMPTY]], %{{.*}} : index
// CHECK: memref.extract_aligned_pointer_as_index %[[BARS]]
// CHECK: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NOT: ws.
// CHECK: gpu.return

gpu.module @copy_kernels {
  gpu.func @copy(%src: memref<?x128xf32>, %dst: memref<?x128xf32>, %tiles: index)
      workgroup(%bars: memref<4xi64, #gpu.address_space<workgroup>>,
                %slots: memref<2x128xf32, #gpu.address_space<workgroup>>)
      kernel {
    %ch = ws.channel.create %bars producers(128) consumers(128)
        : memref<4xi64, #gpu.address_space<workgroup>> -> !ws.channel<2>
    ws.warp_specialize (%src, %dst, %tiles, %slots, %ch)
        : memref<?x128xf32>, memref<?x128xf32>, index,
          memref<2x128xf32, #gpu.address_space<workgroup>>, !ws.channel<2>
      role "producer" warps(4) regs(40)
          (%s: memref<?x128xf32>, %d: memref<?x128xf32>, %n: index,
           %buf: memref<2x128xf32, #gpu.address_space<workgroup>>, %c: !ws.channel<2>) {
        %c0 = arith.constant 0 : index
        %c1 = arith.constant 1 : index
        %lane = gpu.thread_id x
        scf.for %t = %c0 to %n step %c1 {
          %slot, %tok = ws.channel.acquire producer %c[%t] : !ws.channel<2>
          %v = memref.load %s[%t, %lane] : memref<?x128xf32>
          memref.store %v, %buf[%slot, %lane] : memref<2x128xf32, #gpu.address_space<workgroup>>
          ws.channel.release producer %c[%slot], %tok : !ws.channel<2>
        }
        ws.role_return
      }
      role "consumer" warps(4) regs(232)
          (%s: memref<?x128xf32>, %d: memref<?x128xf32>, %n: index,
           %buf: memref<2x128xf32, #gpu.address_space<workgroup>>, %c: !ws.channel<2>) {
        %c0 = arith.constant 0 : index
        %c1 = arith.constant 1 : index
        %c128 = arith.constant 128 : index
        %tid = gpu.thread_id x
        %lane = arith.subi %tid, %c128 : index
        scf.for %t = %c0 to %n step %c1 {
          %slot, %tok = ws.channel.acquire consumer %c[%t] : !ws.channel<2>
          %v = memref.load %buf[%slot, %lane] : memref<2x128xf32, #gpu.address_space<workgroup>>
          memref.store %v, %d[%t, %lane] : memref<?x128xf32>
          ws.channel.release consumer %c[%slot], %tok : !ws.channel<2>
        }
        ws.role_return
      }
    gpu.return
  }
}
