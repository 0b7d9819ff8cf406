// RUN: sparse-mla-opt %s | sparse-mla-opt | FileCheck %s
// RUN: sparse-mla-opt %s --mlir-print-op-generic | sparse-mla-opt | FileCheck %s

// One k16 step of S = Q K^T (m64n16: 8 f32 per thread), both operands from
// shared memory, zero-initialized; a P . V step with A from registers and B
// MN-major; the fence, commit and wait that order them, with the registers
// they order threaded through.
// CHECK-LABEL: func.func @gemm_steps
// CHECK-SAME: (%[[ACC:.*]]: !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>, %[[DA:.*]]: i64, %[[DB:.*]]: i64, %[[A0:.*]]: i32, %[[A1:.*]]: i32, %[[A2:.*]]: i32, %[[A3:.*]]: i32)
// CHECK: %[[F:.*]]:2 = hopper.wgmma_fence(%[[A0]], %[[ACC]]) : i32, !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: %[[S:.*]] = hopper.wgmma %[[F]]#1, %[[DA]], %[[DB]] zero_init : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: %[[O:.*]] = hopper.wgmma_rs %[[S]], [%[[F]]#0, %[[A1]], %[[A2]], %[[A3]]], %[[DB]] b_mn_major : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: %[[T:.*]] = hopper.wgmma %[[O]], %[[DA]], %[[DB]] b_mn_major : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: hopper.wgmma_commit
// CHECK: %[[W:.*]] = hopper.wgmma_wait 0, %[[T]] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK: hopper.wgmma_wait 1
// CHECK: hopper.wgmma_fence
// CHECK: %[[P:.*]]:2 = hopper.pin %[[W]], %[[A0]] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>, i32
// CHECK: return %[[P]]#0
!acc = !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
func.func @gemm_steps(%acc: !acc, %da: i64, %db: i64, %a0: i32, %a1: i32,
                      %a2: i32, %a3: i32) -> !acc {
  %f:2 = hopper.wgmma_fence(%a0, %acc) : i32, !acc
  %s = hopper.wgmma %f#1, %da, %db zero_init : !acc
  %o = hopper.wgmma_rs %s, [%f#0, %a1, %a2, %a3], %db b_mn_major : !acc
  %t = hopper.wgmma %o, %da, %db b_mn_major : !acc
  hopper.wgmma_commit
  %w = hopper.wgmma_wait 0, %t : !acc
  hopper.wgmma_wait 1
  hopper.wgmma_fence
  %p:2 = hopper.pin %w, %a0 : !acc, i32
  return %p#0 : !acc
}
