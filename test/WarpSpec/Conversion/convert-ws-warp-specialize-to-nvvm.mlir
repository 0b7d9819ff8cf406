// RUN: sparse-mla-opt %s -split-input-file --convert-ws-warp-specialize-to-nvvm -verify-diagnostics | FileCheck %s

// The seesaw roles: producer (warps 0-3, 72 registers), two consumers
// (warps 4-7 and 8-11, 216 registers). 384 threads enter with 168 registers
// each, so the producer decreases and the consumers increase.
// CHECK-LABEL: gpu.func @seesaw
// CHECK-SAME: (%[[BUF:.*]]: memref<384xf32>, %[[X:.*]]: f32)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32}
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[LO0:.*]] = arith.constant 0 : index
// CHECK: %[[HI0:.*]] = arith.constant 128 : index
// CHECK: %[[A0:.*]] = arith.cmpi uge, %[[TID]], %[[LO0]] : index
// CHECK: %[[B0:.*]] = arith.cmpi ult, %[[TID]], %[[HI0]] : index
// CHECK: %[[C0:.*]] = arith.andi %[[A0]], %[[B0]] : i1
// CHECK: scf.if %[[C0]] {
// CHECK-NEXT: nvvm.setmaxregister decrease 72
// CHECK: memref.store %[[X]], %[[BUF]]
// CHECK-NEXT: }
// CHECK: arith.constant 128 : index
// CHECK: arith.constant 256 : index
// CHECK: scf.if
// CHECK-NEXT: nvvm.setmaxregister increase 216
// CHECK-NEXT: %[[ID1:.*]] = arith.constant 2 : i32
// CHECK-NEXT: %[[N1:.*]] = arith.constant 128 : i32
// CHECK-NEXT: nvvm.barrier id = %[[ID1]] number_of_threads = %[[N1]]
// CHECK: arith.constant 256 : index
// CHECK: arith.constant 384 : index
// CHECK: scf.if
// CHECK-NEXT: nvvm.setmaxregister increase 216
// CHECK: scf.for
// CHECK-NEXT: %[[ID2:.*]] = arith.constant 3 : i32
// CHECK-NEXT: %[[N2:.*]] = arith.constant 128 : i32
// CHECK-NEXT: nvvm.barrier id = %[[ID2]] number_of_threads = %[[N2]]
// CHECK-NOT: ws.
// CHECK: gpu.barrier
// CHECK: gpu.return
gpu.module @kernels {
  gpu.func @seesaw(%buf: memref<384xf32>, %x: f32) kernel {
    ws.warp_specialize (%buf, %x) : memref<384xf32>, f32
      role "producer" warps(4) regs(72) (%b0: memref<384xf32>, %x0: f32) {
        %c0 = arith.constant 0 : index
        memref.store %x0, %b0[%c0] : memref<384xf32>
        ws.role_return
      }
      role "consumer0" warps(4) regs(216) (%b1: memref<384xf32>, %x1: f32) {
        gpu.barrier
        ws.role_return
      }
      role "consumer1" warps(4) regs(216) (%b2: memref<384xf32>, %x2: f32) {
        %c0 = arith.constant 0 : index
        %c1 = arith.constant 1 : index
        %c4 = arith.constant 4 : index
        scf.for %i = %c0 to %c4 step %c1 {
          gpu.barrier
        }
        ws.role_return
      }
    // Outside the roles the CTA-wide barrier stays.
    gpu.barrier
    gpu.return
  }
}

// -----

// A role at exactly the entry allocation needs no setmaxnreg: 128 threads
// enter with 248 registers (255 rounded down to a multiple of 8).
// CHECK-LABEL: gpu.func @single
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: scf.if
// CHECK-NOT: nvvm.setmaxregister
// CHECK: gpu.return
gpu.module @kernels {
  gpu.func @single() kernel {
    ws.warp_specialize ()
      role "all" warps(4) regs(248) () {
        ws.role_return
      }
    gpu.return
  }
}

// -----

gpu.module @kernels {
  gpu.func @wrong_block() kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
    // expected-error @+1 {{roles need a block of [384, 1, 1] threads, but the kernel's known_block_size is array<i32: 256, 1, 1>}}
    ws.warp_specialize ()
      role "a" warps(4) regs(72) () {
        ws.role_return
      }
      role "b" warps(8) regs(216) () {
        ws.role_return
      }
    gpu.return
  }
}

// -----

func.func @not_in_kernel() {
  // expected-error @+1 {{must be inside a gpu.func kernel to be lowered}}
  ws.warp_specialize ()
    role "a" warps(4) regs(72) () {
      ws.role_return
    }
  return
}
