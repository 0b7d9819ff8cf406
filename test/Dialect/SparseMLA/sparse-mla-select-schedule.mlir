// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule | FileCheck %s --check-prefix=SM90
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=chip=sm_80 | FileCheck %s --check-prefix=SM80
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule="chip=sm_90a schedule=simple" | FileCheck %s --check-prefix=SIMPLE
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule -verify-diagnostics -o /dev/null
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule="carried-pivot=true" | FileCheck %s --check-prefix=CP
// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-to-nvvm="carried-pivot=true" -mlir-print-ir-after=sparse-mla-select-schedule -o /dev/null 2>&1 | FileCheck %s --check-prefix=CP

// The V3.2 prefill shape: seesaw on sm_90a, simple elsewhere or on request.
// SM90-LABEL: func.func @prefill
// SM90: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true>
// SM80-LABEL: func.func @prefill
// SM80: schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1>
// SIMPLE-LABEL: func.func @prefill
// SIMPLE: schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1>
// carried-pivot=true (pass or pipeline option): the seesaw choice with it.
// CP-LABEL: func.func @prefill
// CP: schedule = #sparse_mla.schedule<seesaw, heads_per_cta = 64, block_k = 64, stages = 2, warpgroups = 3, regs = [40, 232, 232], persistent = true, carried_pivot = true>
func.func @prefill(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                   %idx: memref<?x?x1x2048xi32>, %qs: i32,
                   %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 {causal = false}
  return
}

// -----

// A shape seesaw cannot serve (Dqk = 128) falls back to simple by default,
// with a remark naming the limit; heads_per_cta is the largest power of two
// (up to 16) dividing H/G = 12.
// SM90-LABEL: func.func @small_head_dim
// SM90: schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>
// SM80-LABEL: func.func @small_head_dim
// SM80: schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>
// SIMPLE-LABEL: func.func @small_head_dim
// SIMPLE: schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>
// ... and a fallback to simple does not take it.
// CP-LABEL: func.func @small_head_dim
// CP: schedule = #sparse_mla.schedule<simple, heads_per_cta = 4, block_k = 32, stages = 1, warpgroups = 1>
func.func @small_head_dim(%q: memref<?x?x12x128xbf16>, %kv: memref<?x?x1x128xbf16>,
                          %idx: memref<?x?x1x64xi32>, %qs: i32,
                          %out: memref<?x?x12x96xbf16>, %lse: memref<?x?x12xf32>) {
  // expected-remark @+1 {{falling back to the simple schedule: seesaw schedule heads_per_cta = 64 must divide H/G = 12}}
  sparse_mla.fwd q(%q : memref<?x?x12x128xbf16>) kv(%kv : memref<?x?x1x128xbf16>)
                 indices(%idx : memref<?x?x1x64xi32>) q_start(%qs)
                 out(%out : memref<?x?x12x96xbf16>) lse(%lse : memref<?x?x12xf32>)
  return
}

// -----

// topk = 2000 is not a multiple of 2 x block_k: seesaw cannot serve it.
// SM90-LABEL: func.func @odd_topk
// SM90: schedule = #sparse_mla.schedule<simple, heads_per_cta = 16, block_k = 32, stages = 1, warpgroups = 1>
// SM80-LABEL: func.func @odd_topk
// SIMPLE-LABEL: func.func @odd_topk
func.func @odd_topk(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                    %idx: memref<?x?x1x2000xi32>, %qs: i32,
                    %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  // expected-remark @+1 {{falling back to the simple schedule: seesaw schedule needs topk to be a multiple of 2 x block_k = 128, but got 2000}}
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2000xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
  return
}

// -----

// A schedule the user wrote is kept as written.
// SM90-LABEL: func.func @user_schedule
// SM90: schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 16, stages = 1, warpgroups = 2>
// SM80-LABEL: func.func @user_schedule
// SM80: schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 16, stages = 1, warpgroups = 2>
// SIMPLE-LABEL: func.func @user_schedule
// SIMPLE: schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 16, stages = 1, warpgroups = 2>
func.func @user_schedule(%q: memref<?x?x8x64xbf16>, %kv: memref<?x?x2x64xbf16>,
                         %idx: memref<?x?x2x32xi32>, %qs: i32,
                         %out: memref<?x?x8x32xbf16>, %lse: memref<?x?x8xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x8x64xbf16>) kv(%kv : memref<?x?x2x64xbf16>)
                 indices(%idx : memref<?x?x2x32xi32>) q_start(%qs)
                 out(%out : memref<?x?x8x32xbf16>) lse(%lse : memref<?x?x8xf32>)
                 {schedule = #sparse_mla.schedule<simple, heads_per_cta = 2, block_k = 16, stages = 1, warpgroups = 2>}
  return
}

// -----

// RUN: sparse-mla-opt %s -split-input-file --sparse-mla-select-schedule=chip=sm_90 -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM90-PLAIN
// sm_90 (no "a") cannot run the seesaw kernel; the pass says how to get it
// instead of silently picking a schedule two orders of magnitude slower.
// SM90-PLAIN: remark: chip sm_90 gets the simple schedule (portable, about 100x slower): the seesaw schedule needs sm_90a's arch-specific instructions (wgmma, setmaxnreg); the same H100/H200 runs it with chip=sm_90a. schedule=pipelined runs on sm_90 (about 1.6x the simple schedule)
func.func @prefill_sm90(%q: memref<?x?x128x576xbf16>, %kv: memref<?x?x1x576xbf16>,
                        %idx: memref<?x?x1x2048xi32>, %qs: i32,
                        %out: memref<?x?x128x512xbf16>, %lse: memref<?x?x128xf32>) {
  sparse_mla.fwd q(%q : memref<?x?x128x576xbf16>) kv(%kv : memref<?x?x1x576xbf16>)
                 indices(%idx : memref<?x?x1x2048xi32>) q_start(%qs)
                 out(%out : memref<?x?x128x512xbf16>) lse(%lse : memref<?x?x128xf32>)
                 {causal = false}
  return
}
