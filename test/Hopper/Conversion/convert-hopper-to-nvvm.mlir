// RUN: sparse-mla-opt %s --convert-hopper-to-nvvm | FileCheck %s

!acc = !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>

// Shared-memory wgmma becomes nvvm.wgmma.mma_async (m64nNk16, N from the
// accumulator: 8 f32 per thread = N 16), scale-d from zero_init, B's layout
// from b_mn_major; commit and wait become their NVVM ops.
// CHECK-LABEL: func.func @smem_forms
// CHECK: %[[S:.*]] = nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %{{.*}}, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK: nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %[[S]], <m = 64, n = 16, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>]
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NOT: hopper.
func.func @smem_forms(%acc: !acc, %da: i64, %db: i64) -> !acc {
  %s = hopper.wgmma %acc, %da, %db zero_init : !acc
  %t = hopper.wgmma %s, %da, %db b_mn_major : !acc
  hopper.wgmma_commit
  hopper.wgmma_wait 1
  return %t : !acc
}

// The register-A form is one inline PTX statement: the accumulators tied in
// and out ($0..$7, tied to $8..$15), A in four registers ($16..$19), B's descriptor, scale-d
// from zero_init, trans-b from b_mn_major.
// CHECK-LABEL: func.func @register_a
// CHECK: llvm.inline_asm has_side_effects "{\0A.reg .pred p;\0Asetp.ne.b32 p, 1, 0;\0Awgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 {$0, $1, $2, $3, $4, $5, $6, $7}, {$16, $17, $18, $19}, $20, p, 1, 1, 1;\0A}\0A", "=f,=f,=f,=f,=f,=f,=f,=f,0,1,2,3,4,5,6,7,r,r,r,r,l"
// CHECK: llvm.inline_asm has_side_effects "{\0A.reg .pred p;\0Asetp.ne.b32 p, 0, 0;\0Awgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 {{.*}}, p, 1, 1, 0;\0A}\0A"
func.func @register_a(%acc: !acc, %a: i32, %db: i64) -> !acc {
  %o = hopper.wgmma_rs %acc, [%a, %a, %a, %a], %db b_mn_major : !acc
  %p = hopper.wgmma_rs %o, [%a, %a, %a, %a], %db zero_init : !acc
  return %p : !acc
}

// A wait is followed, and a fence preceded, by one empty statement that ties
// every register of its values (here an i32 and 8 f32); a pin is that
// statement alone. Nothing is tied when there is nothing to tie.
// CHECK-LABEL: func.func @ties
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-8: llvm.extractvalue
// CHECK-NEXT: %[[W:.*]] = llvm.inline_asm has_side_effects "", "=f,=f,=f,=f,=f,=f,=f,=f,0,1,2,3,4,5,6,7"
// CHECK: %[[F:.*]] = llvm.inline_asm has_side_effects "", "=r,=f,=f,=f,=f,=f,=f,=f,=f,0,1,2,3,4,5,6,7,8"
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NEXT: nvvm.wgmma.fence.aligned
// CHECK: llvm.inline_asm has_side_effects "", "=f,0"
// CHECK-NOT: llvm.inline_asm
func.func @ties(%acc: !acc, %a: i32, %x: f32) -> (!acc, i32, f32) {
  %w = hopper.wgmma_wait 0, %acc : !acc
  %f:2 = hopper.wgmma_fence(%a, %w) : i32, !acc
  hopper.wgmma_fence
  %p = hopper.pin %x : f32
  return %f#1, %f#0, %p : !acc, i32, f32
}
