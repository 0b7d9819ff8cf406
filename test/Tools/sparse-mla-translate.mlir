// The manifest needs no CUDA toolkit: checked everywhere.
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm | sparse-mla-translate --manifest | FileCheck %s
// Errors: a module with no kernel, or the wrong one asked for.
// RUN: not sparse-mla-translate --manifest %s 2>&1 | FileCheck %s --check-prefix=NOKERNEL
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm | not sparse-mla-translate --manifest --kernel=nope 2>&1 | FileCheck %s --check-prefix=NAMED

// CHECK: "format": "sparse_mla.package",
// CHECK-NEXT: "version": 1,
// CHECK-NEXT: "chip": "sm_90a",
// CHECK: "entry": "sparse_mla_fwd_simple",
// CHECK-NEXT: "block": [128, 1, 1],
// CHECK-NEXT: "dynamic_shared_memory": 6272,
// CHECK: "dim": "S",
// CHECK-NEXT: "multiplier": 2
// CHECK: "dim": "B",
// CHECK-NEXT: "multiplier": 1
// CHECK: "dim": null,
// CHECK-NEXT: "multiplier": 1
// CHECK: "name": "q",
// CHECK-NEXT: "kind": "memref",
// CHECK-NEXT: "rank": 4,
// CHECK-NEXT: "element": "bf16"
// CHECK: "name": "indices",
// CHECK-NEXT: "kind": "memref",
// CHECK-NEXT: "rank": 4,
// CHECK-NEXT: "element": "i32"
// CHECK: "name": "q_start",
// CHECK-NEXT: "kind": "i32"
// CHECK: "name": "lse",
// CHECK-NEXT: "kind": "memref",
// CHECK-NEXT: "rank": 3,
// CHECK-NEXT: "element": "f32"
// CHECK-NOT: "name": "max_logits"
// CHECK: "tensor_maps": []
// CHECK: "H": 8,
// CHECK-NEXT: "G": 2,
// CHECK-NEXT: "Dqk": 64,
// CHECK-NEXT: "Dv": 48,
// CHECK-NEXT: "topk": 40,
// CHECK-NEXT: "B": 3,
// CHECK-NEXT: "S": null,
// CHECK-NEXT: "Skv": null,
// CHECK-NEXT: "sm_scale": 0.125,
// CHECK-NEXT: "kv_stride": 2,
// CHECK-NEXT: "causal": true,
// CHECK-NEXT: "has_max_logits": false,
// CHECK-NEXT: "schedule": "#sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>"

// NOKERNEL: error: expected exactly one sparse_mla kernel launch, found 0 (run sparse-mla-to-nvvm first; pick one with --kernel)
// NAMED: error: expected exactly one sparse_mla kernel launch named 'nope', found 0

func.func @small(%q: memref<3x?x8x64xbf16>, %kv: memref<3x?x2x64xbf16>,
                 %idx: memref<3x?x2x40xi32>, %qs: i32,
                 %out: memref<3x?x8x48xbf16>, %lse: memref<3x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<3x?x8x64xbf16>) kv(%kv : memref<3x?x2x64xbf16>)
                 indices(%idx : memref<3x?x2x40xi32>) q_start(%qs)
                 out(%out : memref<3x?x8x48xbf16>) lse(%lse : memref<3x?x8xf32>)
                 {kv_stride = 2 : i64, sm_scale = 0.125 : f32}
  return
}
