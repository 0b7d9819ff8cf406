// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a" | sparse-mla-translate --manifest | FileCheck %s --check-prefix=LAUNCH
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_90a compiled-scale=true" | sparse-mla-translate --manifest | FileCheck %s --check-prefix=COMPILED
// RUN: sparse-mla-opt %s --sparse-mla-to-nvvm="chip=sm_80" | sparse-mla-translate --manifest | FileCheck %s --check-prefix=LAUNCH

// The pipeline's compiled-scale option reaches every schedule's lowering:
// by default the kernel takes the scale at launch (a "scale_log2" f32
// parameter after the op's operands), with the option it has none and the
// manifest's op.sm_scale is the only scale a runtime launches it with.
// LAUNCH: "name": "max_logits",
// LAUNCH: "name": "scale_log2",
// LAUNCH-NEXT: "kind": "f32"
// LAUNCH: "sm_scale": 0.041666668
// COMPILED-NOT: scale_log2
// COMPILED: "sm_scale": 0.041666668
func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>,
                   %ml: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 max_logits(%ml : memref<?x?x128xf32>) {causal = false}
  return
}
