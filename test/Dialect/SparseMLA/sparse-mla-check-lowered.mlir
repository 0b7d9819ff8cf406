// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-check-lowered -verify-diagnostics

func.func @seesaw_left(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                       %idx: memref<?x?x1x256xi32>, %qs: i32,
                       %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{has a seesaw schedule, which no pass of this pipeline lowers yet}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [72, 216, 216]>}
  return
}

// -----

func.func @unscheduled(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                       %idx: memref<?x?x1x256xi32>, %qs: i32,
                       %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{was not lowered: it has no schedule}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x256xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
  return
}

// -----

// Nothing left: the pass succeeds and changes nothing.
func.func @lowered() {
  return
}
