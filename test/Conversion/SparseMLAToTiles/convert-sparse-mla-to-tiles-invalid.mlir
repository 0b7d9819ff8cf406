// RUN: sparse-mla-opt %s -split-input-file --convert-sparse-mla-to-tiles -verify-diagnostics

func.func @no_schedule(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                       %idx: memref<?x?x2x40xi32>, %qs: i32,
                       %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
  // expected-error @+1 {{has no schedule; run sparse-mla-select-schedule before convert-sparse-mla-to-tiles}}
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                 out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
  return
}

// -----

module {
  module @inner {
    func.func @nested(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                      %idx: memref<?x?x2x40xi32>, %qs: i32,
                      %out: memref<?x?x8x48xbf16>, %lse: memref<?x?x8xf32>) {
      // expected-error @+1 {{is inside a nested module; run convert-sparse-mla-to-tiles on that module}}
      sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                     indices(%idx : memref<?x?x2x40xi32>) q_start(%qs)
                     out(%out : memref<?x?x8x48xbf16>) lse(%lse : memref<?x?x8xf32>)
                     {schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 32, stages = 1, warpgroups = 1>}
      return
    }
  }
}

// -----

// The seesaw kernel's own limits are named on the op: split_tail divides a
// tile's rounds, and one round (topk = 2 x block_k) leaves nothing to divide.
func.func @split_one_round(%q: memref<?x?x64x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                           %idx: memref<?x?x1x128xi32>, %qs: i32,
                           %out: memref<?x?x64x512xbf16>, %lse: memref<?x?x64xf32>) {
  // expected-error @+1 {{seesaw schedule with split_tail needs at least two rounds, topk >= 4 x block_k = 256, but got 128}}
  sparse_mla.fwd q(%q : memref<?x?x64x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x128xi32>) q_start(%qs)
                 out(%out : memref<?x?x64x512xbf16>) lse(%lse : memref<?x?x64xf32>)
                 {schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, split_tail = true>}
  return
}
